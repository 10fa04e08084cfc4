package event

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
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
	setSelfTimes(t.Spans)
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

// setSelfTimes sets each span's self time: its duration less the union of
// its direct children's intervals (among spans), clipped to it. The
// transaction itself is the parent of the top-level spans. Children are
// chained through next from the first one of each parent id, and
// intervals are nanoseconds in a reused scratch: a list of children per
// parent and a sort of time.Time pairs per span took a tenth of a
// transaction's parse.
func setSelfTimes(spans []Span) {
	first := make(map[string]int32, len(spans))
	next := make([]int32, len(spans))
	for i := len(spans) - 1; i >= 0; i-- {
		next[i] = -1
		if f, ok := first[spans[i].ParentSpanID]; ok {
			next[i] = f
		}
		first[spans[i].ParentSpanID] = int32(i)
	}
	var scratch []interval
	for i := range spans {
		s := &spans[i]
		c, ok := first[s.SpanID]
		if !ok {
			s.SelfTime = s.Duration
			continue
		}
		from := s.Start.UnixNano()
		to := from + int64(s.Duration)
		scratch = scratch[:0]
		for ; c >= 0; c = next[c] {
			a := spans[c].Start.UnixNano()
			a, b := max(a, from), min(a+int64(spans[c].Duration), to)
			if b > a {
				scratch = append(scratch, interval{a, b})
			}
		}
		s.SelfTime = s.Duration - union(scratch)
	}
}

// interval is a span's [start, end) in Unix nanoseconds.
type interval struct{ a, b int64 }

// union is the length of the union of ivs, which it sorts.
func union(ivs []interval) time.Duration {
	slices.SortFunc(ivs, func(x, y interval) int { return cmp.Compare(x.a, y.a) })
	var total, end int64
	for k, v := range ivs {
		if k > 0 && v.a < end {
			if v.b > end {
				total += v.b - end
				end = v.b
			}
			continue
		}
		total += v.b - v.a
		end = v.b
	}
	return time.Duration(total)
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
