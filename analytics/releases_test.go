package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

// A release's first and last events come from every named project, in
// the window, whatever their issue; replays change nothing.
func TestReleasesSeen(t *testing.T) {
	s := analyticstest.Open(t)
	ctx := context.Background()
	p1, p2 := uniqueProject(), uniqueProject()+1
	at := time.Now().Add(-time.Hour).Truncate(time.Second).UTC()
	row := func(project uint64, n int, release string, ago time.Duration) analytics.EventRow {
		return analytics.EventRow{ProjectID: project, IssueID: uint64(n%2 + 1), EventID: fmt.Sprintf("%032x", n), Timestamp: at.Add(-ago),
			Received: at, Release: release, Payload: []byte(`{}`)}
	}
	rows := []analytics.EventRow{
		row(p1, 1, "web@1", 3*time.Hour), row(p1, 2, "web@1", time.Hour), row(p2, 3, "web@1", 0),
		row(p1, 4, "web@2", 2*time.Hour), row(p1, 5, "", 0), row(p1, 6, "old", 48*time.Hour),
	}
	for range 2 { // a replay
		if err := s.InsertEvents(ctx, rows); err != nil {
			t.Fatal(err)
		}
	}
	since := at.Add(-24 * time.Hour)
	seen, err := s.ReleasesSeen(ctx, []uint64{p1, p2}, nil, since)
	if err != nil {
		t.Fatal(err)
	}
	want := []analytics.ReleaseSeen{{"web@1", at.Add(-3 * time.Hour), at, []uint64{p1, p2}}, {"web@2", at.Add(-2 * time.Hour), at.Add(-2 * time.Hour), []uint64{p1}}}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("seen:\n%v\nwant\n%v", seen, want)
	}
	if seen, err := s.ReleasesSeen(ctx, []uint64{p1}, []string{"web@1", "nope"}, since); err != nil || len(seen) != 1 || !seen[0].Last.Equal(at.Add(-time.Hour)) {
		t.Errorf("web@1 of project 1: %v, %v", seen, err)
	}
	if seen, err := s.ReleasesSeen(ctx, []uint64{p1}, []string{}, since); err != nil || len(seen) != 0 {
		t.Errorf("no versions: %v, %v", seen, err)
	}
}
