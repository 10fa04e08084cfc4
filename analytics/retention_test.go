package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

// Expiring an organization's projects rewrites a table only when it holds
// rows to expire: a ClickHouse mutation rewrites parts whether or not a
// row matches, and a retention pass runs every hour for every
// organization that keeps less than the server does.
func TestExpiryMutatesOnlyTablesWithOldRows(t *testing.T) {
	const database = "faultline_retention_mutations"
	s := analyticstest.OpenDatabase(t, database)
	ctx := context.Background()
	project := uniqueProject()
	now := time.Now().UTC().Truncate(time.Second)
	rows := []analytics.EventRow{
		{EventID: fmt.Sprintf("%032x", project*10+1), Timestamp: now.Add(-10 * 24 * time.Hour)},
		{EventID: fmt.Sprintf("%032x", project*10+2), Timestamp: now.Add(-time.Hour)},
	}
	for i := range rows {
		rows[i].ProjectID, rows[i].IssueID, rows[i].Received, rows[i].Level, rows[i].Payload = project, 1, now, "error", []byte("{}")
	}
	if err := s.InsertEvents(ctx, rows); err != nil {
		t.Fatal(err)
	}
	mutations := func() uint64 {
		t.Helper()
		n, err := s.CountRows(ctx, "system.mutations WHERE database = '"+database+"'")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	before := mutations()
	if err := s.DeleteProjectsBefore(ctx, []uint64{project}, now.Add(-30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := mutations() - before; got != 0 {
		t.Errorf("expiring what is older than 30 days, with nothing that old: %d mutations, want 0", got)
	}

	before = mutations()
	if err := s.DeleteProjectsBefore(ctx, []uint64{project}, now.Add(-5*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := mutations() - before; got != 1 {
		t.Errorf("expiring what is older than 5 days, with an event that old: %d mutations, want 1 (events)", got)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		events, _, err := s.EventCounts(ctx, project)
		if err != nil {
			t.Fatal(err)
		}
		if events == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events left after expiring the older one, want 1", events)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
