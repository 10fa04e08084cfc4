package metadata_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// The issue list of one project reads its page already sorted from an
// index, whichever sort it asks for, and counts its total from an index
// without joining projects: with 100,000 issues, a sort or a scan of the project's issues
// is what made the list take hundreds of milliseconds under load.
func TestIssueListReadsFromIndexes(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	proj := metadatatest.Project(t, db, "search-plan-test")
	now := time.Now().UTC().Truncate(time.Second)
	var batch []metadata.GroupedEvent
	for i := range 20 {
		batch = append(batch, metadata.GroupedEvent{EventID: fmt.Sprintf("%032x", i+1), Fingerprint: fmt.Sprintf("fp-%d", i),
			Title: fmt.Sprintf("ValueError: plan %d", i), Culprit: "app.views.plan", Level: "error", Type: "error",
			Timestamp: now.Add(-time.Duration(i) * time.Minute)})
	}
	if _, err := db.RecordEvents(ctx, proj.ProjectID, batch); err != nil {
		t.Fatal(err)
	}
	unresolved := metadata.IssueFilter{ProjectIDs: []int64{proj.ProjectID}, Statuses: []string{"unresolved"}, Limit: 25}
	for _, c := range []struct {
		sort, index string
	}{
		{"date", "issues_list_last_seen"},
		{"new", "issues_list_first_seen"},
		{"freq", "issues_list_times_seen"},
	} {
		f := unresolved
		f.Sort = c.sort
		page, total, err := db.ExplainIssueList(ctx, f, 10000)
		if err != nil {
			t.Fatalf("sort=%s: %v", c.sort, err)
		}
		if !strings.Contains(page, "Index Scan using "+c.index) || strings.Contains(page, "Sort") {
			t.Errorf("sort=%s: the page is not read in order from %s:\n%s", c.sort, c.index, page)
		}
		// Which list index counts is the planner's choice (the smallest,
		// or the one whose entries carry the status); that it reads one
		// and joins nothing is the point.
		if !strings.Contains(total, "Scan using issues_list_") || strings.Contains(total, "Join") ||
			strings.Contains(total, "Nested Loop") {
			t.Errorf("sort=%s: the total does not count from a list index alone:\n%s", c.sort, total)
		}
	}

}
