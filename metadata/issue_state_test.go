package metadata_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// An issue's bookmarks and seen marks are each user's own; its share id is
// random, kept while public and gone once revoked; an ignore reads back as
// it was asked; comments are counted, edited and deleted.
func TestIssueUserState(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	proj := metadatatest.Project(t, db, "state-test")
	e := groupedEvent(1, time.Now().UTC())
	e.Fingerprint = "fp-state"
	ids, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{e})
	if err != nil {
		t.Fatal(err)
	}
	pids, yes, no := []int64{proj.ProjectID}, true, false
	update := func(u metadata.IssueUpdate) {
		t.Helper()
		if _, err := db.UpdateIssues(ctx, pids, ids, proj.UserID, u); err != nil {
			t.Fatal(err)
		}
	}
	get := func() metadata.Issue {
		t.Helper()
		is, err := db.IssueForUser(ctx, proj.UserID, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		return is
	}

	update(metadata.IssueUpdate{Bookmark: &yes, Seen: &yes})
	states, err := db.IssueUserStates(ctx, proj.UserID, ids)
	if err != nil || states[ids[0]] != (metadata.UserIssueState{Bookmarked: true, Seen: true}) {
		t.Fatalf("states after bookmark and seen: %+v %v", states, err)
	}
	if other, _ := db.IssueUserStates(ctx, proj.UserID+1000, ids); len(other) != 0 {
		t.Errorf("another user's states: %+v, want none", other)
	}
	found, err := db.SearchIssues(ctx, metadata.IssueFilter{ProjectIDs: pids, Limit: 10,
		Match: &metadata.IssueCond{Field: metadata.FieldBookmarkedBy, Value: []int64{proj.UserID}}})
	if err != nil || len(found) != 1 {
		t.Errorf("bookmarked by the user: %d issues, %v", len(found), err)
	}
	if found, _ := db.SearchIssues(ctx, metadata.IssueFilter{ProjectIDs: pids, Limit: 10,
		Match: &metadata.IssueCond{Field: metadata.FieldBookmarkedBy, Value: []int64{}}}); len(found) != 0 {
		t.Errorf("bookmarked by nobody: %d issues", len(found))
	}
	seen, err := db.IssueSeenBy(ctx, ids[0])
	if err != nil || len(seen) != 1 || seen[0].ID != proj.UserID || seen[0].Email == "" || seen[0].LastSeen.IsZero() {
		t.Errorf("seen by: %+v %v", seen, err)
	}
	update(metadata.IssueUpdate{Bookmark: &no})
	if states, _ := db.IssueUserStates(ctx, proj.UserID, ids); states[ids[0]].Bookmarked || !states[ids[0]].Seen {
		t.Errorf("after unbookmarking: %+v", states[ids[0]])
	}

	update(metadata.IssueUpdate{Public: &yes})
	share := get().ShareID
	if share == nil || len(*share) != 32 {
		t.Fatalf("share id %v, want 32 hex digits", share)
	}
	update(metadata.IssueUpdate{Public: &yes})
	if again := get().ShareID; again == nil || *again != *share {
		t.Errorf("making a public issue public again changed its link: %v → %v", *share, again)
	}
	if is, err := db.IssueByShareID(ctx, *share); err != nil || is.ID != ids[0] {
		t.Errorf("by share id: %d %v", is.ID, err)
	}
	update(metadata.IssueUpdate{Public: &no})
	if _, err := db.IssueByShareID(ctx, *share); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("revoked share id: %v, want ErrNotFound", err)
	}
	if get().ShareID != nil {
		t.Error("a private issue keeps a share id")
	}

	ignored := "ignored"
	until := time.Now().Add(90 * time.Minute).Truncate(time.Microsecond)
	update(metadata.IssueUpdate{Status: &ignored, IgnoreFor: 90 * time.Minute, IgnoreMinutes: 90, IgnoreUntil: until, IgnoreCount: 5})
	is := get()
	switch {
	case is.IgnoreUntil == nil || !is.IgnoreUntil.Equal(until):
		t.Errorf("ignore until %v, want %v", is.IgnoreUntil, until)
	case is.IgnoreCount == nil || *is.IgnoreCount != 5, is.IgnoreMinutes == nil || *is.IgnoreMinutes != 90:
		t.Errorf("ignore count %v, minutes %v", is.IgnoreCount, is.IgnoreMinutes)
	case is.IgnoredBy == nil || is.IgnoredBy.ID != proj.UserID:
		t.Errorf("ignored by %+v", is.IgnoredBy)
	}

	c1, err := db.AddComment(ctx, ids[0], proj.UserID, "first")
	if err != nil || c1.UserID != proj.UserID {
		t.Fatalf("add comment: %+v %v", c1, err)
	}
	if _, err := db.AddComment(ctx, ids[0], proj.UserID, "second"); err != nil {
		t.Fatal(err)
	}
	if n := get().NumComments; n != 2 {
		t.Errorf("numComments %d, want 2", n)
	}
	if c, err := db.EditComment(ctx, ids[0], c1.ID, " edited "); err != nil || c.Text != "edited" {
		t.Errorf("edit: %+v %v", c, err)
	}
	if _, err := db.EditComment(ctx, ids[0]+1000, c1.ID, "x"); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("edit through another issue: %v, want ErrNotFound", err)
	}
	if err := db.DeleteComment(ctx, ids[0], c1.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteComment(ctx, ids[0], c1.ID); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("delete twice: %v, want ErrNotFound", err)
	}
	if n := get().NumComments; n != 1 {
		t.Errorf("numComments after delete %d, want 1", n)
	}
}
