package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

// BenchmarkSessionHealth counts a day of 100,000 sessions (two updates
// each, one in twenty crashed, over 20 releases) per release and hour, as
// /sessions/ asks for a releases chart.
func BenchmarkSessionHealth(b *testing.B) {
	s := analyticstest.OpenDatabase(b, "faultline_test_health_bench")
	ctx := context.Background()
	project := uniqueProject()
	start := time.Now().UTC().Truncate(time.Hour).Add(-24 * time.Hour)
	const sessions = 100_000
	rows := make([]analytics.SessionRow, 0, 10_000)
	for i := range sessions {
		at := start.Add(time.Duration(i) * 24 * time.Hour / sessions)
		sid, release, did := fmt.Sprintf("%032x", i), fmt.Sprintf("app@%d", i%20), fmt.Sprintf("u-%d", i%5000)
		end := "exited"
		if i%20 == 0 {
			end = "crashed"
		}
		rows = append(rows,
			analytics.SessionRow{ProjectID: project, RecordID: fmt.Sprintf("%032x", 2*i), Started: at, Release: release, Status: "ok",
				Init: true, SessionID: sid, Seq: 1, DistinctID: did, Quantity: 1},
			analytics.SessionRow{ProjectID: project, RecordID: fmt.Sprintf("%032x", 2*i+1), Started: at, Release: release, Status: end,
				SessionID: sid, Seq: 2, DistinctID: did, Quantity: 1})
		if len(rows) == cap(rows) {
			if err := s.Insert(ctx, analytics.Rows{Sessions: rows}); err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	q := analytics.HealthQuery{ProjectIDs: []uint64{project}, Start: start, End: start.Add(24 * time.Hour), Step: time.Hour,
		GroupBy: []string{"release"}}
	b.ResetTimer()
	for b.Loop() {
		got, err := s.SessionHealth(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != 20*24 {
			b.Fatalf("%d release-hours, want %d", len(got), 20*24)
		}
	}
	b.ReportMetric(float64(sessions), "sessions/op")
}
