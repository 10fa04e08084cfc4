package actors

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/ingest/queue"
)

var (
	rowTime  = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	rowLater = rowTime.Add(3 * time.Second)
)

func TestEventRow(t *testing.T) {
	cases := []struct {
		name  string
		event *event.Event
		want  analytics.EventRow
	}{
		{
			name: "every field",
			event: &event.Event{EventID: "e1", Timestamp: rowTime, Received: rowLater, Level: "error", Platform: "go",
				Environment: "prod", Release: "app@1", Transaction: "GET /", Message: "boom",
				User: &event.User{Email: "a@example.com"}, Tags: []event.Tag{{Key: "k1", Value: "v1"}, {Key: "k2", Value: "v2"}}},
			want: analytics.EventRow{ProjectID: 7, IssueID: 9, EventID: "e1", Timestamp: rowTime, Received: rowLater, Level: "error",
				Platform: "go", Environment: "prod", Release: "app@1", Transaction: "GET /", Title: "the title", Message: "boom",
				UserKey: "email:a@example.com", UserEmail: "a@example.com", TagKeys: []string{"k1", "k2"}, TagValues: []string{"v1", "v2"}, StoredPayload: []byte(`{}`)},
		},
		{
			name: "a user with an id and an email keeps the email for search",
			event: &event.Event{EventID: "e3", Timestamp: rowTime, Received: rowLater, Level: "error",
				User: &event.User{ID: "42", Email: "ann@example.com"}},
			want: analytics.EventRow{ProjectID: 7, IssueID: 9, EventID: "e3", Timestamp: rowTime, Received: rowLater, Level: "error",
				Title: "the title", UserKey: "id:42", UserEmail: "ann@example.com", StoredPayload: []byte(`{}`)},
		},
		{
			name:  "no user, no tags",
			event: &event.Event{EventID: "e2", Timestamp: rowTime, Received: rowLater, Level: "info"},
			want: analytics.EventRow{ProjectID: 7, IssueID: 9, EventID: "e2", Timestamp: rowTime, Received: rowLater, Level: "info",
				Title: "the title", StoredPayload: []byte(`{}`)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := eventRow(7, 9, tc.event, "the title", []byte(`{}`)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestEventRowWithoutTimestamp(t *testing.T) {
	// A row without a timestamp would sort before every other event.
	if got := eventRow(7, 9, &event.Event{EventID: "e"}, "", nil); got.Timestamp.IsZero() {
		t.Error("an event without a timestamp got a row without one")
	}
}

func TestTransactionRows(t *testing.T) {
	cases := []struct {
		name      string
		tx        *event.Transaction
		wantTx    analytics.TransactionRow
		wantSpans []analytics.SpanRow
	}{
		{
			name: "with spans, tags and measurements",
			tx: &event.Transaction{EventID: "t1", TraceID: "tr", SpanID: "root", Name: "GET /a", Op: "http.server", Method: "GET",
				Status: "ok", HTTPStatus: 200, Start: rowTime, Duration: time.Second, Platform: "node", Release: "r", Environment: "e",
				UserKey: "id:1", Tags: []event.Tag{{Key: "k", Value: "v"}},
				Measurements: map[string]float64{"lcp": 2.5, "fcp": 1.5, "ttfb": 0.5},
				Spans: []event.Span{
					{SpanID: "s1", ParentSpanID: "root", Op: "db", Description: "SELECT %s", Status: "ok", Start: rowTime,
						Duration: 300 * time.Millisecond, SelfTime: 100 * time.Millisecond},
					{SpanID: "s2", ParentSpanID: "s1", Op: "cache.get", Start: rowLater, Duration: 200 * time.Millisecond,
						SelfTime: 200 * time.Millisecond},
				}},
			wantTx: analytics.TransactionRow{ProjectID: 7, EventID: "t1", TraceID: "tr", SpanID: "root", Name: "GET /a", Op: "http.server",
				Method: "GET", Status: "ok", HTTPStatus: 200, Start: rowTime, Duration: time.Second, Platform: "node", Release: "r",
				Environment: "e", UserKey: "id:1", TagKeys: []string{"k"}, TagValues: []string{"v"},
				MeasureNames: []string{"fcp", "lcp", "ttfb"}, MeasureVals: []float64{1.5, 2.5, 0.5}},
			wantSpans: []analytics.SpanRow{
				{ProjectID: 7, TransactionID: "t1", TraceID: "tr", SpanID: "s1", ParentSpanID: "root", Transaction: "GET /a", Op: "db",
					Description: "SELECT %s", Status: "ok", Start: rowTime, Duration: 300 * time.Millisecond, SelfTime: 100 * time.Millisecond},
				{ProjectID: 7, TransactionID: "t1", TraceID: "tr", SpanID: "s2", ParentSpanID: "s1", Transaction: "GET /a", Op: "cache.get",
					Start: rowLater, Duration: 200 * time.Millisecond, SelfTime: 200 * time.Millisecond},
			},
		},
		{
			name:   "bare",
			tx:     &event.Transaction{EventID: "t2", Name: "job", Status: "unknown", Platform: "other", Measurements: map[string]float64{}},
			wantTx: analytics.TransactionRow{ProjectID: 7, EventID: "t2", Name: "job", Status: "unknown", Platform: "other"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tx, spans := transactionRows(7, tc.tx)
			if !reflect.DeepEqual(tx, tc.wantTx) {
				t.Errorf("transaction\ngot  %+v\nwant %+v", tx, tc.wantTx)
			}
			if !reflect.DeepEqual(spans, tc.wantSpans) {
				t.Errorf("spans\ngot  %+v\nwant %+v", spans, tc.wantSpans)
			}
		})
	}
}

func TestStreamedSpanRows(t *testing.T) {
	segment := event.StreamedSpan{
		Span: event.Span{SpanID: "bbbbbbbbbbbbbbbb", Op: "http.server", Status: "unknown", Start: rowTime, Duration: time.Second,
			SelfTime: 400 * time.Millisecond},
		TraceID: "0123456789abcdef0123456789abcdef", SegmentID: "bbbbbbbbbbbbbbbb", SegmentName: "GET /a", IsSegment: true,
		Environment: "e", Release: "r", Method: "GET", HTTPStatus: 200, UserKey: "id:1", SDK: "sentry.javascript.node", Platform: "javascript",
	}
	child := event.StreamedSpan{
		Span: event.Span{SpanID: "cccccccccccccccc", ParentSpanID: "bbbbbbbbbbbbbbbb", Op: "db", Description: "SELECT %s",
			Start: rowLater, Duration: 600 * time.Millisecond, SelfTime: 600 * time.Millisecond},
		TraceID: "0123456789abcdef0123456789abcdef", SegmentID: "bbbbbbbbbbbbbbbb", SegmentName: "GET /a", Platform: "javascript",
	}
	const txID = "0123456789abcdefbbbbbbbbbbbbbbbb"
	txRow := analytics.TransactionRow{ProjectID: 7, EventID: txID, TraceID: segment.TraceID, SpanID: "bbbbbbbbbbbbbbbb", Name: "GET /a",
		Op: "http.server", Method: "GET", Status: "unknown", HTTPStatus: 200, Start: rowTime, Duration: time.Second, Platform: "javascript",
		Release: "r", Environment: "e", UserKey: "id:1"}
	spanRow := analytics.SpanRow{ProjectID: 7, TransactionID: txID, TraceID: child.TraceID, SpanID: "cccccccccccccccc",
		ParentSpanID: "bbbbbbbbbbbbbbbb", Transaction: "GET /a", Op: "db", Description: "SELECT %s", Start: rowLater,
		Duration: 600 * time.Millisecond, SelfTime: 600 * time.Millisecond}
	cases := []struct {
		name      string
		spans     []event.StreamedSpan
		wantTxs   []analytics.TransactionRow
		wantSpans []analytics.SpanRow
	}{
		{"segment and child", []event.StreamedSpan{segment, child}, []analytics.TransactionRow{txRow}, []analytics.SpanRow{spanRow}},
		{"child alone", []event.StreamedSpan{child}, nil, []analytics.SpanRow{spanRow}},
		{"segment alone", []event.StreamedSpan{segment}, []analytics.TransactionRow{txRow}, nil},
		{"none", nil, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			txs, spans := streamedSpanRows(7, tc.spans)
			if !reflect.DeepEqual(txs, tc.wantTxs) {
				t.Errorf("transactions\ngot  %+v\nwant %+v", txs, tc.wantTxs)
			}
			if !reflect.DeepEqual(spans, tc.wantSpans) {
				t.Errorf("spans\ngot  %+v\nwant %+v", spans, tc.wantSpans)
			}
		})
	}
}

func TestSessionRows(t *testing.T) {
	cases := []struct {
		name   string
		counts []event.SessionCount
		want   []analytics.SessionRow
	}{
		{
			name: "two aggregates",
			counts: []event.SessionCount{
				{Started: rowTime, Release: "r", Environment: "e", Status: "exited", Init: true, Errors: 2, Duration: time.Minute,
					DistinctID: "u", Quantity: 1},
				{Started: rowLater, Release: "r", Status: "crashed", Quantity: 4},
			},
			want: []analytics.SessionRow{
				{ProjectID: 7, RecordID: "rec", Started: rowTime, Release: "r", Environment: "e", Status: "exited", Init: true,
					Errors: 2, Duration: time.Minute, DistinctID: "u", Quantity: 1},
				{ProjectID: 7, RecordID: "rec", Started: rowLater, Release: "r", Status: "crashed", Quantity: 4},
			},
		},
		{name: "none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := sessionRows(7, "rec", tc.counts); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestCheckInRow(t *testing.T) {
	cases := []struct {
		name    string
		checkIn *event.CheckIn
		want    analytics.CheckInRow
	}{
		{
			name: "with monitor config",
			checkIn: &event.CheckIn{CheckInID: "c1", MonitorSlug: "nightly", Status: "ok", Duration: 90 * time.Second,
				Environment: "e", Release: "r", MonitorConfig: []byte(`{"schedule":{"type":"crontab","value":"0 3 * * *"}}`)},
			want: analytics.CheckInRow{ProjectID: 7, RecordID: "rec", CheckInID: "c1", MonitorSlug: "nightly", Status: "ok",
				Duration: 90 * time.Second, Environment: "e", Release: "r", Received: rowTime,
				MonitorConfig: `{"schedule":{"type":"crontab","value":"0 3 * * *"}}`},
		},
		{
			name:    "lone check-in",
			checkIn: &event.CheckIn{MonitorSlug: "nightly", Status: "in_progress"},
			want:    analytics.CheckInRow{ProjectID: 7, RecordID: "rec", MonitorSlug: "nightly", Status: "in_progress", Received: rowTime},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkInRow(7, "rec", rowTime, tc.checkIn); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// storeFreeActor is a project actor whose issue store answers at once:
// what it measures is the actor's own work.
func storeFreeActor() *projectActor {
	return &projectActor{projectID: 1, issues: &refusingStore{}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// fixtureRecords is n records of one item type carrying the payload of
// a testdata file, each with an event id of its own, marked checked as
// ingest marks the JSON it scanned.
func fixtureRecords(tb testing.TB, path, itemType string, n int) []queue.Record {
	payload, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	records := make([]queue.Record, n)
	for i := range records {
		records[i] = queue.Record{ProjectID: 1, EventID: fmt.Sprintf("%032x", i), ItemType: itemType,
			Received: time.Now(), Checked: true, Payload: payload}
	}
	return records
}

// leastAllocated is the fewest bytes allocated per record while a groups
// records and then looks at the result, over three runs that follow one
// which fills the pools. The least of three, so that another goroutine's
// allocations (a previous test's, winding down) cannot fail a bound.
func leastAllocated(t *testing.T, a *projectActor, records []queue.Record, then func(*grouped)) uint64 {
	a.group(context.Background(), records)
	least := uint64(math.MaxUint64)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		out := a.group(context.Background(), records)
		then(out)
		runtime.ReadMemStats(&after)
		if out.err != nil {
			t.Fatal(out.err)
		}
		least = min(least, (after.TotalAlloc-before.TotalAlloc)/uint64(len(records)))
	}
	return least
}

// A batch of 1,000 transactions of 50 spans holds 10 MB of span rows.
// Appended to one slice, they were copied about five times as it grew, and
// again each time batches merged: 153 KB allocated per transaction for a
// batch merged three times, where parsing and the rows need 59 KB.
func TestTransactionBatchAllocatesSpanRowsOnce(t *testing.T) {
	const n = 1000
	records := fixtureRecords(t, "../ingest/event/testdata/python_transaction_50_spans.json", "transaction", n)
	perTx := leastAllocated(t, storeFreeActor(), records, func(out *grouped) {
		var merged analytics.Rows
		for range 3 { // a sink merging three such batches
			merged.Add(out.rows)
		}
		if merged.SpanCount() != 3*50*n {
			t.Fatalf("%d spans, want %d", merged.SpanCount(), 3*50*n)
		}
	})
	t.Logf("%d KB allocated per transaction", perTx>>10)
	if perTx > 70<<10 {
		t.Errorf("%d KB allocated per transaction, want at most 70 KB", perTx>>10)
	}
}

// An error event's stored JSON (9 KB for this 12 KB Node event) was built
// in a fresh buffer and kept until the batch's insert: 37,000 bytes were
// allocated per event, 8,989 kept. It is now built and compressed in
// reused scratch, and only the compressed copy is kept: 25,751 and 2,285
// with zstd, 26,648 and 3,095 since payloads are S2 blocks.
func TestErrorBatchKeepsPayloadsCompressed(t *testing.T) {
	const n = 500
	records := fixtureRecords(t, "../ingest/event/testdata/node.json", "event", n)
	size := len(records[0].Payload)
	kept := 0
	perEvent := leastAllocated(t, storeFreeActor(), records, func(out *grouped) {
		if len(out.rows.Events) != n {
			t.Fatalf("%d events, want %d", len(out.rows.Events), n)
		}
		kept = 0
		for _, r := range out.rows.Events {
			kept += len(r.StoredPayload)
		}
	})
	t.Logf("%d bytes allocated per event, %d bytes of payload kept", perEvent, kept/n)
	if perEvent > 30<<10 || kept/n > size/3 {
		t.Errorf("%d bytes allocated and %d kept per %d-byte event; want at most %d and %d",
			perEvent, kept/n, size, 30<<10, size/3)
	}
}
