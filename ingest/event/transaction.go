package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Transaction is a normalized performance event: one traced operation and
// its spans. Transactions never become issues.
type Transaction struct {
	EventID      string
	TraceID      string
	SpanID       string
	Name         string
	Op           string
	Method       string
	Status       string
	HTTPStatus   int
	Start        time.Time
	Duration     time.Duration
	Platform     string
	Release      string
	Environment  string
	UserKey      string
	Tags         []Tag
	Measurements map[string]float64
	Spans        []Span
}

// Span is one timed operation inside a transaction.
type Span struct {
	SpanID       string
	ParentSpanID string
	Op           string
	Description  string // normalized: literals and ids replaced
	Status       string
	Start        time.Time
	Duration     time.Duration
	SelfTime     time.Duration // Duration less the time covered by its children
}

type wireTransaction struct {
	EventID     text      `json:"event_id"`
	Name        text      `json:"transaction"`
	Start       when      `json:"start_timestamp"`
	End         when      `json:"timestamp"`
	Platform    text      `json:"platform"`
	Release     text      `json:"release"`
	Environment text      `json:"environment"`
	User        *wireUser `json:"user"`
	Tags        tagList   `json:"tags"`
	Request     *struct {
		Method text `json:"method"`
	} `json:"request"`
	Contexts struct {
		Trace struct {
			TraceID text   `json:"trace_id"`
			SpanID  text   `json:"span_id"`
			Op      text   `json:"op"`
			Status  text   `json:"status"`
			Data    object `json:"data"`
		} `json:"trace"`
		Response struct {
			StatusCode number `json:"status_code"`
		} `json:"response"`
	} `json:"contexts"`
	Measurements map[string]struct {
		Value json.Number `json:"value"`
	} `json:"measurements"`
	Spans []struct {
		SpanID       text `json:"span_id"`
		ParentSpanID text `json:"parent_span_id"`
		Op           text `json:"op"`
		Description  text `json:"description"`
		Status       text `json:"status"`
		Start        when `json:"start_timestamp"`
		End          when `json:"timestamp"`
	} `json:"spans"`
}

// ParseTransaction normalizes a transaction payload.
func ParseTransaction(payload []byte, m Meta) (*Transaction, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrNotObject
	}
	var w wireTransaction
	if err := m.decode(trimmed, &w); err != nil {
		return nil, fmt.Errorf("transaction is not valid JSON: %w", err)
	}
	if !w.Start.ok || !w.End.ok {
		return nil, fmt.Errorf("transaction has no readable start_timestamp and timestamp")
	}
	tr := w.Contexts.Trace
	t := &Transaction{
		EventID: m.EventID, TraceID: strings.ReplaceAll(string(tr.TraceID), "-", ""), SpanID: string(tr.SpanID),
		Name: string(w.Name), Op: string(tr.Op), Status: string(tr.Status), Platform: string(w.Platform),
		Release: string(w.Release), Environment: string(w.Environment), UserKey: user(w.User).Key(), Tags: w.Tags,
		Start: w.Start.t, Duration: max(w.End.t.Sub(w.Start.t), 0), Measurements: map[string]float64{},
	}
	if t.Name == "" {
		t.Name = "<unlabeled transaction>"
	}
	if t.Platform == "" {
		t.Platform = "other"
	}
	if w.Request != nil {
		t.Method = strings.ToUpper(string(w.Request.Method))
	}
	t.HTTPStatus = int(w.Contexts.Response.StatusCode)
	if t.HTTPStatus == 0 && tr.Data != nil {
		var data struct {
			Code number `json:"http.response.status_code"`
		}
		_ = decodeValid(tr.Data, &data)
		t.HTTPStatus = int(data.Code)
	}
	if t.Status == "" {
		t.Status = statusFromHTTP(t.HTTPStatus)
	}
	for name, v := range w.Measurements {
		if f, err := v.Value.Float64(); err == nil {
			t.Measurements[name] = f
		}
	}
	for _, s := range w.Spans {
		if !s.Start.ok || !s.End.ok {
			continue
		}
		t.Spans = append(t.Spans, Span{
			SpanID: string(s.SpanID), ParentSpanID: string(s.ParentSpanID), Op: string(s.Op),
			Description: NormalizeSpanDescription(string(s.Op), string(s.Description)), Status: string(s.Status),
			Start: s.Start.t, Duration: max(s.End.t.Sub(s.Start.t), 0),
		})
	}
	t.computeSelfTimes()
	// Drift correction moves the whole transaction, spans included.
	if !m.SentAt.IsZero() {
		if drift := m.Received.Sub(m.SentAt); drift >= minClockDrift || drift <= -minClockDrift {
			t.Start = t.Start.Add(drift)
			for i := range t.Spans {
				t.Spans[i].Start = t.Spans[i].Start.Add(drift)
			}
		}
	}
	return t, nil
}

// statusFromHTTP maps an HTTP status to a span status, as SDKs do.
func statusFromHTTP(code int) string {
	switch {
	case code == 0:
		return "unknown"
	case code < 400:
		return "ok"
	case code == 401:
		return "unauthenticated"
	case code == 403:
		return "permission_denied"
	case code == 404:
		return "not_found"
	case code == 429:
		return "resource_exhausted"
	case code < 500:
		return "invalid_argument"
	case code == 501:
		return "unimplemented"
	case code == 503:
		return "unavailable"
	case code == 504:
		return "deadline_exceeded"
	}
	return "internal_error"
}

// computeSelfTimes sets each span's self time: its duration less the union
// of its direct children's intervals, clipped to it. The transaction itself
// is the parent of the top-level spans.
func (t *Transaction) computeSelfTimes() {
	children := map[string][]int{}
	for i, s := range t.Spans {
		children[s.ParentSpanID] = append(children[s.ParentSpanID], i)
	}
	for i := range t.Spans {
		s := &t.Spans[i]
		s.SelfTime = s.Duration - covered(s.Start, s.Start.Add(s.Duration), t.Spans, children[s.SpanID])
	}
}

func covered(from, to time.Time, spans []Span, idx []int) time.Duration {
	type iv struct{ a, b time.Time }
	var ivs []iv
	for _, i := range idx {
		a, b := spans[i].Start, spans[i].Start.Add(spans[i].Duration)
		if a.Before(from) {
			a = from
		}
		if b.After(to) {
			b = to
		}
		if b.After(a) {
			ivs = append(ivs, iv{a, b})
		}
	}
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].a.Before(ivs[j].a) })
	var total time.Duration
	var end time.Time
	for _, v := range ivs {
		if v.a.Before(end) {
			if v.b.After(end) {
				total += v.b.Sub(end)
				end = v.b
			}
			continue
		}
		total += v.b.Sub(v.a)
		end = v.b
	}
	return total
}

// NormalizeSpanDescription replaces the variable parts of a span's
// description so that the same operation is one row in a summary: SQL
// literals become %s (and IN lists one %s), ids in URL paths become *, query
// strings go.
func NormalizeSpanDescription(op, desc string) string {
	switch {
	case strings.HasPrefix(op, "db"):
		return collapseInLists(replaceSQLNumbers(replaceSQLStrings(desc)))
	case strings.HasPrefix(op, "http"):
		return starPathIDs(cutQuery(desc))
	case strings.HasPrefix(op, "cache"):
		return parameterize(desc)
	}
	return desc
}
