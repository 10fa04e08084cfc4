package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

// One query counts a page of issues hour by hour: each issue gets every
// bucket, its own events in the right ones, and nothing of other issues,
// other projects or before the period.
func TestIssuesCountSeries(t *testing.T) {
	s := analyticstest.Open(t)
	ctx := context.Background()
	project, other := uniqueProject(), uniqueProject()
	now := time.Now().UTC()
	since := now.Truncate(time.Hour).Add(-23 * time.Hour)
	var rows []analytics.EventRow
	add := func(p, issue uint64, at time.Time) {
		rows = append(rows, analytics.EventRow{ProjectID: p, IssueID: issue, EventID: fmt.Sprintf("%032x", len(rows)+0x5000),
			Timestamp: at, Received: now, Level: "error", Title: "t", Payload: []byte("{}")})
	}
	add(project, 1, now)
	add(project, 1, now)
	add(project, 1, since.Add(90*time.Minute)) // the second bucket
	add(project, 2, since.Add(-time.Hour))     // before the period
	add(project, 3, now)                       // not asked about
	add(other, 1, now)                         // another project's issue 1
	if err := s.InsertEvents(ctx, rows); err != nil {
		t.Fatal(err)
	}
	got, err := s.IssuesCountSeries(ctx, []uint64{project}, []uint64{1, 2}, since, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[1]) != 24 || len(got[2]) != 24 {
		t.Fatalf("series for %d issues, %d and %d buckets; want 2 issues of 24", len(got), len(got[1]), len(got[2]))
	}
	if got[1][0].Start != since || got[1][1].Count != 1 || got[1][23].Count != 2 {
		t.Errorf("issue 1: first bucket %v, second %d, last %d; want %v, 1, 2", got[1][0].Start, got[1][1].Count, got[1][23].Count, since)
	}
	for _, b := range got[2] {
		if b.Count != 0 {
			t.Errorf("issue 2 counts %d at %v, want nothing in the period", b.Count, b.Start)
		}
	}
}
