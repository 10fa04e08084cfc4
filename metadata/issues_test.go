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
		Log: &metadata.LogPosition{Offset: int64(n), Received: ts}, // as a worker has it
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
	activity, err := db.IssueActivity(ctx, ids[0])
	if err != nil || len(activity) == 0 || activity[0].Kind != "set_regression" {
		t.Fatalf("activity %+v, %v; want the regression logged", activity, err)
	}
	if err := db.SetIssueStatus(ctx, ids[0], "closed"); err == nil {
		t.Error("an unknown status was accepted")
	}
}

func TestIgnoredIssueComesBack(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	proj := metadatatest.Project(t, db, "issues-test")
	now := time.Now().UTC()
	ev := func(n int) metadata.GroupedEvent {
		e := groupedEvent(n, now.Add(time.Duration(n)*time.Second))
		e.Fingerprint = "fp-ignore"
		return e
	}
	ids, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{ev(1)})
	if err != nil {
		t.Fatal(err)
	}
	ignored := "ignored"
	if _, err := db.UpdateIssues(ctx, []int64{proj.ProjectID}, ids, proj.UserID, metadata.IssueUpdate{Status: &ignored, IgnoreCount: 2}); err != nil {
		t.Fatal(err)
	}
	status := func() string {
		is, err := db.IssueForUser(ctx, proj.UserID, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		return is.Status
	}
	db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{ev(2)})
	if s := status(); s != "ignored" {
		t.Fatalf("after one more event: %s, want still ignored", s)
	}
	db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{ev(3)})
	if s := status(); s != "unresolved" {
		t.Fatalf("after two more events: %s, want unresolved", s)
	}
	// Ignored for a while: an event after that while brings it back.
	if _, err := db.UpdateIssues(ctx, []int64{proj.ProjectID}, ids, proj.UserID, metadata.IssueUpdate{Status: &ignored, IgnoreFor: time.Minute}); err != nil {
		t.Fatal(err)
	}
	db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{ev(4)})
	if s := status(); s != "ignored" {
		t.Fatalf("an event within the minute: %s, want ignored", s)
	}
	late := groupedEvent(5, now.Add(2*time.Minute))
	late.Fingerprint = "fp-ignore"
	db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{late})
	if s := status(); s != "unresolved" {
		t.Fatalf("an event after the minute: %s, want unresolved", s)
	}
}
