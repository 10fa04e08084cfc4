package issues_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/frontend/issues/issuestest"
	"github.com/faultline/faultline/metadata"
)

func editorStore() *issuestest.Store {
	return &issuestest.Store{
		Issues:  []metadata.Issue{{ID: 1, ProjectID: 1, TimesSeen: 3}, {ID: 2, ProjectID: 1, TimesSeen: 9}, {ID: 3, ProjectID: 2}},
		Teams:   map[string]int64{"#ops": 3},
		Members: map[string]int64{"ann@example.com": 7},
	}
}

func ptr[T any](v T) *T { return &v }

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		change  issues.Change
		want    metadata.IssueUpdate
		invalid string // the InvalidError's message, when the change is refused
	}{
		{name: "resolve", change: issues.Change{Status: ptr("resolved")}, want: metadata.IssueUpdate{Status: ptr("resolved")}},
		{name: "assign a member", change: issues.Change{AssignedTo: ptr(" ann@example.com ")}, want: metadata.IssueUpdate{AssigneeID: ptr(int64(7))}},
		{name: "assign a team", change: issues.Change{AssignedTo: ptr("#ops")}, want: metadata.IssueUpdate{TeamID: ptr(int64(3))}},
		{name: "unassign", change: issues.Change{AssignedTo: ptr("")}, want: metadata.IssueUpdate{AssigneeID: ptr(int64(0))}},
		{name: "ignore for a while", change: issues.Change{Status: ptr("ignored"), IgnoreFor: time.Hour, IgnoreCount: 10},
			want: metadata.IssueUpdate{Status: ptr("ignored"), IgnoreFor: time.Hour, IgnoreCount: 10}},
		{name: "ignore until", change: issues.Change{Status: ptr("ignored"), IgnoreUntil: now.Add(2 * time.Hour)},
			want: metadata.IssueUpdate{Status: ptr("ignored"), IgnoreFor: 2 * time.Hour}},
		{name: "resolve in a release", change: issues.Change{Status: ptr("resolved"), InRelease: "1.2.0"},
			want: metadata.IssueUpdate{Status: ptr("resolved"), InRelease: "1.2.0"}},
		{name: "resolve in the next release", change: issues.Change{Status: ptr("resolved"), InNextRelease: true},
			want: metadata.IssueUpdate{Status: ptr("resolved"), InNextRelease: true}},
		{name: "nothing to change", change: issues.Change{}, invalid: "status, assignedTo, isBookmarked, hasSeen, isPublic or merge"},
		{name: "in a release, unresolved", change: issues.Change{Status: ptr("unresolved"), InRelease: "1.2.0"}, invalid: `go with "status": "resolved"`},
		{name: "next release, no status", change: issues.Change{AssignedTo: ptr(""), InNextRelease: true}, invalid: `go with "status": "resolved"`},
		{name: "both releases", change: issues.Change{Status: ptr("resolved"), InRelease: "1.2.0", InNextRelease: true}, invalid: "not both"},
		{name: "unknown team", change: issues.Change{AssignedTo: ptr("#nobody")}, invalid: "no team #nobody"},
		{name: "not a member", change: issues.Change{AssignedTo: ptr("bob@example.com")}, invalid: "bob@example.com is not a member"},
		{name: "negative count", change: issues.Change{Status: ptr("ignored"), IgnoreCount: -1}, invalid: "must not be negative"},
		{name: "negative duration", change: issues.Change{Status: ptr("ignored"), IgnoreFor: -time.Minute}, invalid: "must not be negative"},
		{name: "until in the past", change: issues.Change{Status: ptr("ignored"), IgnoreUntil: now.Add(-time.Second)}, invalid: "in the past"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := editorStore()
			c := tc.change
			c.OrgID, c.ProjectIDs, c.IssueIDs, c.Now = 1, []int64{1}, []int64{1, 2, 3}, now
			n, err := issues.NewEditor(store, store).Update(ctx, c)
			if tc.invalid != "" {
				var bad *issues.InvalidError
				if !errors.As(err, &bad) || !strings.Contains(bad.Msg, tc.invalid) {
					t.Fatalf("Update = %v, want an InvalidError saying %q", err, tc.invalid)
				}
				if len(store.Updates) != 0 {
					t.Errorf("a refused change reached the store: %+v", store.Updates)
				}
				return
			}
			if err != nil || n != 2 {
				t.Fatalf("Update = %d, %v; want the 2 issues of project 1", n, err)
			}
			if got := store.Updates[0]; !sameUpdate(got, tc.want) {
				t.Errorf("stored %s, want %s", show(got), show(tc.want))
			}
		})
	}
}

func sameUpdate(a, b metadata.IssueUpdate) bool {
	eq := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return (a.Status == nil) == (b.Status == nil) && (a.Status == nil || *a.Status == *b.Status) &&
		eq(a.AssigneeID, b.AssigneeID) && eq(a.TeamID, b.TeamID) && a.IgnoreFor == b.IgnoreFor && a.IgnoreCount == b.IgnoreCount &&
		a.InRelease == b.InRelease && a.InNextRelease == b.InNextRelease
}

func show(u metadata.IssueUpdate) string {
	deref := func(p any) any {
		switch p := p.(type) {
		case *int64:
			if p != nil {
				return *p
			}
		case *string:
			if p != nil {
				return *p
			}
		}
		return nil
	}
	return fmt.Sprintf("{status %v, assignee %v, team %v, for %v, count %d, in release %q, in next release %v}",
		deref(u.Status), deref(u.AssigneeID), deref(u.TeamID), u.IgnoreFor, u.IgnoreCount, u.InRelease, u.InNextRelease)
}

func TestUpdateAndDeleteOfNoIssues(t *testing.T) {
	ctx := context.Background()
	store := editorStore()
	e := issues.NewEditor(store, store)
	var missing *issues.NotFoundError
	_, err := e.Update(ctx, issues.Change{ProjectIDs: []int64{1}, IssueIDs: []int64{3}, Status: ptr("resolved")})
	if !errors.As(err, &missing) || missing.Msg != "no such issues" {
		t.Errorf("updating another project's issue: %v, want NotFoundError", err)
	}
	if err := e.Delete(ctx, []int64{1}, []int64{3, 99}); !errors.As(err, &missing) {
		t.Errorf("deleting another project's issue: %v, want NotFoundError", err)
	}
	if err := e.Delete(ctx, []int64{1}, []int64{1, 3}); err != nil || !slices.Equal(store.Deleted, []int64{1}) {
		t.Errorf("Delete = %v, deleted %v; want issue 1 only", err, store.Deleted)
	}
	store.Fail = map[string]error{"UpdateIssues": metadata.ErrBusy, "DeleteIssues": metadata.ErrBusy}
	if _, err := e.Update(ctx, issues.Change{ProjectIDs: []int64{1}, IssueIDs: []int64{1}, Status: ptr("resolved")}); !errors.Is(err, metadata.ErrBusy) {
		t.Errorf("update with PostgreSQL busy: %v", err)
	}
	if err := e.Delete(ctx, []int64{1}, []int64{1}); !errors.Is(err, metadata.ErrBusy) {
		t.Errorf("delete with PostgreSQL busy: %v", err)
	}
}

// Merging keeps the issue seen most often and stores the plan; it asks
// nothing of ClickHouse.
func TestMerge(t *testing.T) {
	ctx := context.Background()
	store := editorStore()
	e := issues.NewEditor(store, store)
	plan, err := e.Merge(ctx, []int64{1}, []int64{1, 2}, 42)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Parent != 2 || !slices.Equal(plan.Children, []int64{1}) || len(store.Merged) != 1 || store.Merged[0].Parent != 2 {
		t.Errorf("plan %+v, stored %+v; want 1 merged into 2", plan, store.Merged)
	}
	var bad *issues.InvalidError
	if _, err := e.Merge(ctx, []int64{1}, []int64{1}, 42); !errors.As(err, &bad) {
		t.Errorf("merging one issue: %v, want an InvalidError", err)
	}
	store.Fail = map[string]error{"Merge": metadata.ErrBusy}
	if _, err := e.Merge(ctx, []int64{1}, []int64{1, 2}, 42); !errors.Is(err, metadata.ErrBusy) {
		t.Errorf("merge with PostgreSQL busy: %v", err)
	}
	if len(store.Merged) != 1 {
		t.Errorf("%d merges stored, want the first only", len(store.Merged))
	}
}
