package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

// TestDropStoredLargeBatches: a worker's replay check of a batch as large as
// load makes it (300 transactions of 60 spans, 10,000 events) answers, and
// answers right. The spans' lookup once listed every span's transaction id
// and went past ClickHouse's max_query_size, so the check failed on every
// retry and the partition stopped.
func TestDropStoredLargeBatches(t *testing.T) {
	s := analyticstest.Open(t)
	ctx := context.Background()
	project := uniqueProject()
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	var stored analytics.Rows
	var replay analytics.Rows
	for i := range 300 {
		id := fmt.Sprintf("%032x", project*1000+uint64(i))
		tx := analytics.TransactionRow{ProjectID: project, EventID: id, TraceID: id, Name: "GET /batch", Status: "ok",
			Start: start, Duration: time.Millisecond}
		var spans []analytics.SpanRow
		for j := range 60 {
			spans = append(spans, analytics.SpanRow{ProjectID: project, TransactionID: id, TraceID: id,
				SpanID: fmt.Sprintf("%016x", i*100+j), Transaction: "GET /batch", Op: "db", Start: start, Duration: time.Microsecond})
		}
		if i%2 == 0 { // every other transaction is stored already
			stored.Transactions = append(stored.Transactions, tx)
			stored.AddSpans(spans)
		}
		replay.Transactions = append(replay.Transactions, tx)
		replay.AddSpans(spans)
	}
	for i := range 10_000 {
		e := analytics.EventRow{ProjectID: project, IssueID: 1, EventID: fmt.Sprintf("%032x", project*100_000+uint64(i)),
			Timestamp: start, Received: start, Level: "error", Payload: []byte(`{}`)}
		if i%4 == 0 {
			stored.Events = append(stored.Events, e)
		}
		replay.Events = append(replay.Events, e)
	}
	if err := s.Insert(ctx, stored); err != nil {
		t.Fatal(err)
	}
	left, dropped, err := s.DropStored(ctx, replay)
	if err != nil {
		t.Fatal(err)
	}
	if want := 150 + 150*60 + 2_500; dropped != want {
		t.Errorf("dropped %d rows, want %d", dropped, want)
	}
	if len(left.Transactions) != 150 || left.SpanCount() != 150*60 || len(left.Events) != 7_500 {
		t.Errorf("left %d transactions, %d spans, %d events; want 150, 9000, 7500", len(left.Transactions), left.SpanCount(), len(left.Events))
	}
	for _, tx := range left.Transactions {
		if tx.EventID == stored.Transactions[0].EventID {
			t.Fatalf("stored transaction %s left in the batch", tx.EventID)
		}
	}
}
