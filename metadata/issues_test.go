package metadata_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

func groupedEvent(n int, ts time.Time) metadata.GroupedEvent {
	return metadata.GroupedEvent{
		EventID: fmt.Sprintf("%032x", n), Fingerprint: "fp-regression", Title: "E: boom", Level: "error",
		Type: "error", Metadata: map[string]string{"type": "E"}, Timestamp: ts,
	}
}

func TestResolvedIssueRegresses(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	proj := metadatatest.Project(t, db, "issues-test")
	now := time.Now().UTC().Truncate(time.Millisecond)

	ids, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{groupedEvent(1, now.Add(-time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetIssueStatus(ctx, ids[0], "resolved"); err != nil {
		t.Fatal(err)
	}
	// Replaying the old event does not reopen the issue.
	if _, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{groupedEvent(1, now.Add(-time.Minute))}); err != nil {
		t.Fatal(err)
	}
	is, err := db.IssueForUser(ctx, proj.UserID, ids[0])
	if err != nil || is.Status != "resolved" || is.RegressedAt != nil || is.TimesSeen != 1 {
		t.Fatalf("after a replay: %+v, %v; want still resolved, seen once", is, err)
	}
	// A new event does.
	if _, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{groupedEvent(2, now.Add(time.Second))}); err != nil {
		t.Fatal(err)
	}
	is, err = db.IssueForUser(ctx, proj.UserID, ids[0])
	if err != nil || is.Status != "unresolved" || is.RegressedAt == nil || is.TimesSeen != 2 {
		t.Fatalf("after a new event: %+v, %v; want unresolved, a regression, seen twice", is, err)
	}
	if err := db.SetIssueStatus(ctx, ids[0], "closed"); err == nil {
		t.Error("an unknown status was accepted")
	}
}
