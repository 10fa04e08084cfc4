package actors

import (
	"bytes"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/event"
)

// The functions here map normalized records to the rows ClickHouse stores.
// They only copy fields: normalization (defaults, derived values) belongs
// to ingest/event, and the database to analytics.

// eventRow is the row of an error event grouped under issueID; payload is
// the normalized event as analytics.CompressPayload stores it, and title
// its issue's title.
func eventRow(projectID, issueID int64, e *event.Event, title string, payload []byte) analytics.EventRow {
	row := analytics.EventRow{
		ProjectID: uint64(projectID), IssueID: uint64(issueID), EventID: e.EventID,
		Timestamp: e.Timestamp, Received: e.Received, Level: e.Level, Platform: e.Platform,
		Environment: e.Environment, Release: e.Release, Transaction: e.Transaction,
		Title: title, Message: e.Message, UserKey: e.User.Key(), StoredPayload: payload,
	}
	if e.User != nil {
		row.UserEmail = e.User.Email
	}
	row.TagKeys, row.TagValues = splitTags(e.Tags)
	if row.Timestamp.IsZero() {
		row.Timestamp = time.Now().UTC()
	}
	return row
}

// transactionRows is the row of a transaction and the rows of its spans,
// in a slice of their own (a run of analytics.Rows.Spans).
func transactionRows(projectID int64, t *event.Transaction) (analytics.TransactionRow, []analytics.SpanRow) {
	pid := uint64(projectID)
	row := analytics.TransactionRow{
		ProjectID: pid, EventID: t.EventID, TraceID: t.TraceID, SpanID: t.SpanID, Name: t.Name, Op: t.Op,
		Method: t.Method, Status: t.Status, HTTPStatus: uint16(t.HTTPStatus), Start: t.Start, Duration: t.Duration,
		Platform: t.Platform, Release: t.Release, Environment: t.Environment, UserKey: t.UserKey,
	}
	row.TagKeys, row.TagValues = splitTags(t.Tags)
	// Sorted, so that the same transaction always makes the same row.
	for _, name := range slices.Sorted(maps.Keys(t.Measurements)) {
		row.MeasureNames, row.MeasureVals = append(row.MeasureNames, name), append(row.MeasureVals, t.Measurements[name])
	}
	if len(t.Spans) == 0 {
		return row, nil
	}
	spans := make([]analytics.SpanRow, len(t.Spans))
	for i, s := range t.Spans {
		spans[i] = spanRow(pid, t.EventID, t.TraceID, t.Name, s)
	}
	return row, spans
}

// streamedSpanRows maps the spans of a "span" item: a segment span to its
// transaction's row, any other span to a span row of that transaction.
func streamedSpanRows(projectID int64, spans []event.StreamedSpan) ([]analytics.TransactionRow, []analytics.SpanRow) {
	pid := uint64(projectID)
	var txs []analytics.TransactionRow
	var rows []analytics.SpanRow
	for _, s := range spans {
		if !s.IsSegment {
			rows = append(rows, spanRow(pid, s.TransactionID(), s.TraceID, s.SegmentName, s.Span))
			continue
		}
		txs = append(txs, analytics.TransactionRow{
			ProjectID: pid, EventID: s.TransactionID(), TraceID: s.TraceID, SpanID: s.SpanID, Name: s.SegmentName,
			Op: s.Op, Method: s.Method, Status: s.Status, HTTPStatus: uint16(s.HTTPStatus), Start: s.Start,
			Duration: s.Duration, Platform: s.Platform, Release: s.Release, Environment: s.Environment, UserKey: s.UserKey,
		})
	}
	return txs, rows
}

func spanRow(projectID uint64, transactionID, traceID, transaction string, s event.Span) analytics.SpanRow {
	return analytics.SpanRow{
		ProjectID: projectID, TransactionID: transactionID, TraceID: traceID, SpanID: s.SpanID, ParentSpanID: s.ParentSpanID,
		Transaction: transaction, Op: s.Op, Description: s.Description, Status: s.Status, Start: s.Start,
		Duration: s.Duration, SelfTime: s.SelfTime,
	}
}

// sessionRows are the release-health rows of one session record.
func sessionRows(projectID int64, recordID string, counts []event.SessionCount) []analytics.SessionRow {
	var rows []analytics.SessionRow
	for _, c := range counts {
		rows = append(rows, analytics.SessionRow{
			ProjectID: uint64(projectID), RecordID: recordID, Started: c.Started, Release: c.Release, Environment: c.Environment,
			Status: c.Status, Init: c.Init, SessionID: c.SessionID, Seq: c.Seq, Errors: uint32(c.Errors), Duration: c.Duration, DistinctID: c.DistinctID,
			Quantity: uint32(c.Quantity),
		})
	}
	return rows
}

// checkInRow is the history row of a cron check-in record.
func checkInRow(projectID int64, recordID string, received time.Time, c *event.CheckIn) analytics.CheckInRow {
	return analytics.CheckInRow{
		ProjectID: uint64(projectID), RecordID: recordID, CheckInID: c.CheckInID, MonitorSlug: c.MonitorSlug, Status: c.Status,
		Duration: c.Duration, Environment: c.Environment, Release: c.Release, Received: received,
		MonitorConfig: string(c.MonitorConfig),
	}
}

func splitTags(tags []event.Tag) (keys, values []string) {
	for _, t := range tags {
		keys, values = append(keys, t.Key), append(values, t.Value)
	}
	return keys, values
}

// payloadScratch holds the buffers storedPayload reuses, up to
// maxPayloadScratch bytes each, so that a rare huge event does not pin
// its buffers.
var payloadScratch = sync.Pool{New: func() any { return new(payloadBuffers) }}

type payloadBuffers struct{ json, stored []byte }

const maxPayloadScratch = 1 << 20

// storedPayload is e's JSON as the events table stores it. The JSON is
// built and compressed in reused scratch, and only the compressed bytes,
// about a third, are kept until the batch's insert.
func storedPayload(e *event.Event) ([]byte, error) {
	b := payloadScratch.Get().(*payloadBuffers)
	defer func() {
		if cap(b.json) <= maxPayloadScratch && cap(b.stored) <= maxPayloadScratch {
			payloadScratch.Put(b)
		}
	}()
	var err error
	if b.json, err = e.AppendJSON(b.json[:0]); err != nil {
		return nil, err
	}
	b.stored = analytics.CompressPayload(b.stored[:0], b.json)
	return bytes.Clone(b.stored), nil
}
