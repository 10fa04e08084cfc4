package metadata_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// CountIssues counts what SearchIssues selects, page aside, with the same
// filter (a match condition included), and stops at its limit.
func TestCountIssues(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	proj := metadatatest.Project(t, db, "search-count-test")
	now := time.Now().UTC().Truncate(time.Second)
	var batch []metadata.GroupedEvent
	for i := range 7 {
		level := "error"
		if i%2 == 1 {
			level = "warning"
		}
		batch = append(batch, metadata.GroupedEvent{EventID: fmt.Sprintf("%032x", i+1), Fingerprint: fmt.Sprintf("fp-%d", i),
			Title: fmt.Sprintf("count me %d", i), Level: level, Type: "error", Timestamp: now.Add(-time.Duration(i) * time.Minute)})
	}
	if _, err := db.RecordEvents(ctx, proj.ProjectID, batch); err != nil {
		t.Fatal(err)
	}
	warning := metadata.IssueCond{Field: metadata.FieldLevel, Value: []string{"warning"}}
	pids := []int64{proj.ProjectID}
	for _, c := range []struct {
		name  string
		f     metadata.IssueFilter
		limit int
		want  int
	}{
		{"all, whatever the page", metadata.IssueFilter{ProjectIDs: pids, Limit: 2, Offset: 1}, 100, 7},
		{"level filter", metadata.IssueFilter{ProjectIDs: pids, Levels: []string{"error"}}, 100, 4},
		{"match condition", metadata.IssueFilter{ProjectIDs: pids, Match: &warning}, 100, 3},
		{"stops at the limit", metadata.IssueFilter{ProjectIDs: pids}, 5, 5},
		{"other project", metadata.IssueFilter{ProjectIDs: []int64{-1}}, 100, 0},
	} {
		got, err := db.CountIssues(ctx, c.f, c.limit)
		if err != nil || got != c.want {
			t.Errorf("%s: %d, %v; want %d", c.name, got, err, c.want)
		}
	}
}
