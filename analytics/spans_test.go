package analytics_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

// Span rows are inserted a column at a time, in blocks of a few thousand
// rows; each must read back with its own values, whichever run and block
// it came in.
func TestSpanRunsReadBackAsWritten(t *testing.T) {
	s := analyticstest.Open(t)
	for _, tc := range []struct {
		name string
		runs []int // spans per run
	}{
		{"one block", []int{1, 2, 3}},
		{"three blocks", []int{4000, 4200, 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spanRunsReadBack(t, s, tc.runs)
		})
	}
}

func spanRunsReadBack(t *testing.T, s *analytics.Store, sizes []int) {
	ctx := context.Background()
	project := uniqueProject()
	id := fmt.Sprintf("%032x", project*10+1)
	start := time.Now().Add(-time.Hour).Truncate(time.Second).UTC()
	tx := analytics.TransactionRow{ProjectID: project, EventID: id, TraceID: "trace-1", SpanID: "root", Name: "GET /runs",
		Status: "ok", Start: start, Duration: time.Second}
	var runs [][]analytics.SpanRow
	var want []analytics.SpanRow
	for _, size := range sizes {
		var run []analytics.SpanRow
		for j := range size {
			n := len(want)
			sp := analytics.SpanRow{ProjectID: project, TransactionID: id, TraceID: "trace-1", SpanID: fmt.Sprintf("%016x", n),
				ParentSpanID: fmt.Sprintf("parent-%d", j), Transaction: "GET /runs", Op: fmt.Sprintf("op.%d", n),
				Description: fmt.Sprintf("SELECT %d", n), Status: []string{"ok", "internal_error"}[n%2],
				Start:    start.Add(time.Duration(n*10+n%7) * time.Millisecond),
				Duration: time.Duration(n+1) * time.Millisecond, SelfTime: time.Duration(n) * time.Millisecond}
			run = append(run, sp)
			// The waterfall reads back what a span row's page shows.
			want = append(want, analytics.SpanRow{SpanID: sp.SpanID, ParentSpanID: sp.ParentSpanID, Op: sp.Op,
				Description: sp.Description, Status: sp.Status, Start: sp.Start, Duration: sp.Duration, SelfTime: sp.SelfTime})
		}
		runs = append(runs, run)
	}
	if err := s.InsertTransactions(ctx, []analytics.TransactionRow{tx}, runs); err != nil {
		t.Fatal(err)
	}
	w, err := s.TransactionWaterfall(ctx, project, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Spans) != len(want) {
		t.Fatalf("%d spans read back, want %d", len(w.Spans), len(want))
	}
	if !reflect.DeepEqual(w.Spans, want) {
		for i := range want {
			if !reflect.DeepEqual(w.Spans[i], want[i]) {
				t.Fatalf("span %d read back\ngot  %+v\nwant %+v", i, w.Spans[i], want[i])
			}
		}
	}
}
