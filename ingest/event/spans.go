package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// StreamedSpan is one span of a "span" item (span streaming, v2): SDKs such
// as @sentry/node 11 send spans as they end instead of whole transactions.
// The segment span (IsSegment) stands for the transaction.
type StreamedSpan struct {
	Span
	TraceID     string
	SegmentID   string
	SegmentName string
	IsSegment   bool
	Environment string
	Release     string
	Method      string
	HTTPStatus  int
	UserKey     string
	SDK         string
	// Platform is the platform a segment's transaction is stored under,
	// which span items do not carry: "javascript" for JavaScript SDKs,
	// else "other".
	Platform string
}

// TransactionID is the 32-digit id a streamed segment's transaction is
// stored under: the trace's first half and the segment's span id, so every
// span of a segment, in whichever envelope, finds the same transaction.
func (s StreamedSpan) TransactionID() string {
	trace := s.TraceID
	if len(trace) > 16 {
		trace = trace[:16]
	}
	return trace + s.SegmentID
}

type attrValue struct {
	Value json.RawMessage `json:"value"`
}

func (a attrValue) text() string {
	var t text
	if len(a.Value) > 0 {
		_ = t.UnmarshalJSON(a.Value)
	}
	return string(t)
}

// ParseSpans reads a span item: {"items": [...]} with attributes typed as
// {"type": ..., "value": ...}.
func ParseSpans(payload []byte, m Meta) ([]StreamedSpan, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrNotObject
	}
	var w struct {
		Items []struct {
			TraceID      text                 `json:"trace_id"`
			SpanID       text                 `json:"span_id"`
			ParentSpanID text                 `json:"parent_span_id"`
			Name         text                 `json:"name"`
			Status       text                 `json:"status"`
			IsSegment    flag                 `json:"is_segment"`
			Start        when                 `json:"start_timestamp"`
			End          when                 `json:"end_timestamp"`
			Attributes   map[string]attrValue `json:"attributes"`
		} `json:"items"`
	}
	if err := m.decode(trimmed, &w); err != nil {
		return nil, fmt.Errorf("span item is not valid JSON: %w", err)
	}
	var out []StreamedSpan
	for _, it := range w.Items {
		if !it.Start.ok || !it.End.ok || it.SpanID == "" {
			continue
		}
		a := it.Attributes
		s := StreamedSpan{
			TraceID: strings.ReplaceAll(string(it.TraceID), "-", ""), SegmentID: a["sentry.segment.id"].text(),
			SegmentName: a["sentry.segment.name"].text(), IsSegment: bool(it.IsSegment),
			Environment: a["sentry.environment"].text(), Release: a["sentry.release"].text(),
			Method: strings.ToUpper(a["http.method"].text()), SDK: a["sentry.sdk.name"].text(),
			UserKey: (&User{ID: a["user.id"].text(), Email: a["user.email"].text(), Username: a["user.name"].text()}).Key(),
		}
		op := a["sentry.op"].text()
		s.Span = Span{SpanID: string(it.SpanID), ParentSpanID: string(it.ParentSpanID), Op: op,
			Description: NormalizeSpanDescription(op, string(it.Name)), Status: string(it.Status),
			Start: it.Start.t, Duration: max(it.End.t.Sub(it.Start.t), 0)}
		if code := a["http.response.status_code"].text(); code != "" {
			fmt.Sscan(code, &s.HTTPStatus)
		}
		if s.SegmentID == "" {
			s.SegmentID = s.SpanID
		}
		if s.IsSegment && s.SegmentName == "" {
			s.SegmentName = string(it.Name)
		}
		if s.IsSegment && s.Status == "" {
			s.Status = "unknown" // as a transaction that has none
		}
		s.Platform = "other"
		if strings.Contains(s.SDK, "javascript") {
			s.Platform = "javascript"
		}
		if !m.SentAt.IsZero() {
			if drift := m.Received.Sub(m.SentAt); drift >= minClockDrift || drift <= -minClockDrift {
				s.Start = s.Start.Add(drift)
			}
		}
		out = append(out, s)
	}
	// Self time from the children in this item; children sent in other
	// items are not known here.
	plain := make([]Span, len(out))
	for i, s := range out {
		plain[i] = s.Span
	}
	setSelfTimes(plain)
	for i := range out {
		out[i].SelfTime = plain[i].SelfTime
	}
	return out, nil
}
