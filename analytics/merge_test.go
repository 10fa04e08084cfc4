package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

// A merge job that stopped after moving events but before recording it
// runs MoveEvents again: the second run must store no event twice.
func TestMoveEventsTwiceStoresEachEventOnce(t *testing.T) {
	s := analyticstest.Open(t)
	ctx := context.Background()
	project := uniqueProject()
	now := time.Now().Truncate(time.Second)
	var rows []analytics.EventRow
	for i, issue := range []uint64{1, 1, 2, 3} { // 1 is the parent, 2 and 3 are merged into it
		rows = append(rows, analytics.EventRow{ProjectID: project, IssueID: issue, EventID: fmt.Sprintf("%032x", 0xa0+i),
			Timestamp: now.Add(-time.Duration(i) * time.Minute), Received: now, Level: "error", Title: "t", Payload: []byte("{}")})
	}
	if err := s.InsertEvents(ctx, rows); err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		if err := s.MoveEvents(ctx, project, []uint64{2, 3}, 1); err != nil {
			t.Fatalf("move, run %d: %v", run, err)
		}
		stored, err := s.StoredEventIDs(ctx, project)
		if err != nil {
			t.Fatal(err)
		}
		// Each child event is stored twice (under the child, not yet dropped,
		// and under the parent); the parent's own events once.
		want := map[string]int{rows[0].EventID: 1, rows[1].EventID: 1, rows[2].EventID: 2, rows[3].EventID: 2}
		for id, n := range want {
			if stored[id] != n {
				t.Errorf("run %d: event %s stored %d times, want %d", run, id, stored[id], n)
			}
		}
		parent, err := s.IssueEvents(ctx, project, 1, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(parent) != 4 {
			t.Errorf("run %d: the parent lists %d events, want 4", run, len(parent))
		}
	}
}
