package issues_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/frontend/issues/issuestest"
	"github.com/faultline/faultline/frontend/search"
	"github.com/faultline/faultline/metadata"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func newFinder(s *issuestest.Store) *issues.Finder { return issues.NewFinder(s, s, s) }

func parse(t *testing.T, q string) search.Query {
	t.Helper()
	parsed, err := search.Parse(q, now)
	if err != nil {
		t.Fatal(err)
	}
	return parsed
}

// A search becomes one PostgreSQL filter: its statuses, levels, people
// and time bounds.
func TestSearchFilter(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name  string
		query string
		edit  func(*issues.Search)
		check func(t *testing.T, f metadata.IssueFilter)
	}{
		{"statuses and levels", "is:resolved level:error !level:info", nil, func(t *testing.T, f metadata.IssueFilter) {
			if !slices.Equal(f.Statuses, []string{"resolved"}) || !slices.Equal(f.Levels, []string{"error"}) || !slices.Equal(f.NotLevels, []string{"info"}) {
				t.Errorf("statuses %v, levels %v, not levels %v", f.Statuses, f.Levels, f.NotLevels)
			}
		}},
		{"people", "assigned:me assigned:#ops assigned:ann@example.com", nil, func(t *testing.T, f metadata.IssueFilter) {
			if !slices.Equal(f.AssigneeIDs, []int64{42, 7}) || !slices.Equal(f.AssigneeTeams, []int64{3}) {
				t.Errorf("assignees %v, teams %v; want [42 7] and [3]", f.AssigneeIDs, f.AssigneeTeams)
			}
		}},
		{"people who are not there match nobody", "assigned:#nobody assigned:bob@example.com assigned:none", nil, func(t *testing.T, f metadata.IssueFilter) {
			if !slices.Equal(f.AssigneeIDs, []int64{-1}) || !slices.Equal(f.AssigneeTeams, []int64{-1}) || !f.Unassigned {
				t.Errorf("assignees %v, teams %v, unassigned %v", f.AssigneeIDs, f.AssigneeTeams, f.Unassigned)
			}
		}},
		{"a period keeps issues seen within it", "lastSeen:-30d", func(s *issues.Search) { s.Period = day }, func(t *testing.T, f metadata.IssueFilter) {
			if !f.LastSeen[0].Equal(now.Add(-day)) {
				t.Errorf("last seen after %v, want %v", f.LastSeen[0], now.Add(-day))
			}
		}},
		{"a query bound inside the period stays", "lastSeen:-1h", func(s *issues.Search) { s.Period = day }, func(t *testing.T, f metadata.IssueFilter) {
			if !f.LastSeen[0].Equal(now.Add(-time.Hour)) {
				t.Errorf("last seen after %v, want an hour ago", f.LastSeen[0])
			}
		}},
		{"start and end", "", func(s *issues.Search) { s.Start, s.End = now.Add(-2*day), now.Add(-day) }, func(t *testing.T, f metadata.IssueFilter) {
			if !f.LastSeen[0].Equal(now.Add(-2*day)) || !f.LastSeen[1].Equal(now.Add(-day)) {
				t.Errorf("last seen %v, want two days ago to one", f.LastSeen)
			}
		}},
		{"paging", "", func(s *issues.Search) { s.Limit, s.Offset, s.Sort = 26, 50, "freq" }, func(t *testing.T, f metadata.IssueFilter) {
			if f.Limit != 26 || f.Offset != 50 || f.Sort != "freq" {
				t.Errorf("limit %d offset %d sort %q", f.Limit, f.Offset, f.Sort)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := &issuestest.Store{Teams: map[string]int64{"#ops": 3}, Members: map[string]int64{"ann@example.com": 7}}
			s := issues.Search{OrgID: 1, UserID: 42, ProjectIDs: []int64{1}, Query: parse(t, tc.query), Now: now, Limit: 26}
			if tc.edit != nil {
				tc.edit(&s)
			}
			if _, err := newFinder(store).List(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			if len(store.Filters) != 1 {
				t.Fatalf("%d searches, want 1", len(store.Filters))
			}
			tc.check(t, store.Filters[0])
			if len(store.EventTerms) != 0 {
				t.Errorf("asked ClickHouse %v for a search with no event terms", store.EventTerms)
			}
		})
	}
}

// Tags, environments, releases and has: are answered by ClickHouse: all
// positive terms in one question that restricts the ids, each negated term
// in its own that excludes them, looking back as far as the period.
func TestSearchEventTerms(t *testing.T) {
	store := &issuestest.Store{
		Issues: []metadata.Issue{{ID: 1, ProjectID: 1}, {ID: 2, ProjectID: 1}, {ID: 3, ProjectID: 1}},
		Tagged: map[string][]uint64{"browser:Firefox": {1, 2}, "environment:prod": {1, 2, 3}, "release:1.0": {2}},
	}
	s := issues.Search{ProjectIDs: []int64{1}, Query: parse(t, "browser:Firefox environment:prod !release:1.0"), Now: now, Period: time.Hour, Limit: 10}
	got, err := newFinder(store).List(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != 1 {
		t.Errorf("found %+v, want issue 1 only", got)
	}
	want := [][]analytics.EventTerm{{{Key: "environment", Value: "prod"}, {Key: "browser", Value: "Firefox"}}, {{Key: "release", Value: "1.0"}}}
	if !reflect.DeepEqual(store.EventTerms, want) {
		t.Errorf("asked ClickHouse %v, want %v", store.EventTerms, want)
	}
	for _, since := range store.EventSince {
		if !since.Equal(now.Add(-time.Hour)) {
			t.Errorf("event terms looked back to %v, want the period's start", since)
		}
	}
}

// sort=user ranks the latest matches by their users, then pages.
func TestSearchSortedByUsers(t *testing.T) {
	store := &issuestest.Store{Users: map[int64]uint64{1: 5, 2: 50, 3: 20, 4: 1}}
	for id := int64(1); id <= 4; id++ {
		store.Issues = append(store.Issues, metadata.Issue{ID: id, ProjectID: 1})
	}
	got, err := newFinder(store).List(context.Background(), issues.Search{ProjectIDs: []int64{1}, Sort: "user", Now: now, Limit: 2, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, is := range got {
		ids = append(ids, is.ID)
	}
	if !slices.Equal(ids, []int64{3, 1}) || got[0].Users != 20 {
		t.Errorf("page %v (%+v), want issues 3 and 1", ids, got)
	}
	if f := store.Filters[0]; f.Sort != "date" || f.Limit != issues.MaxSelected || f.Offset != 0 {
		t.Errorf("asked PostgreSQL for sort %q limit %d offset %d; want the latest %d", f.Sort, f.Limit, f.Offset, issues.MaxSelected)
	}
}

func TestSelect(t *testing.T) {
	store := &issuestest.Store{Issues: []metadata.Issue{{ID: 1, ProjectID: 1, Status: "unresolved"}, {ID: 2, ProjectID: 1, Status: "resolved"}}}
	f := newFinder(store)
	ids, err := f.Select(context.Background(), issues.Search{ProjectIDs: []int64{1}, Query: parse(t, "is:resolved"), Now: now, Limit: 3})
	if err != nil || !slices.Equal(ids, []int64{2}) {
		t.Errorf("Select = %v, %v; want [2]", ids, err)
	}
	if got := store.Filters[0].Limit; got != issues.MaxSelected {
		t.Errorf("selected up to %d issues, want %d", got, issues.MaxSelected)
	}
	_, err = f.Select(context.Background(), issues.Search{ProjectIDs: []int64{1}, Query: parse(t, "is:ignored"), Now: now})
	var missing *issues.NotFoundError
	if !errors.As(err, &missing) {
		t.Errorf("selecting nothing: %v, want a NotFoundError", err)
	}
}

// Errors of the stores reach the caller unchanged in kind, so the API can
// answer 503 for a store that is down; missing issues are NotFoundErrors.
func TestFinderErrors(t *testing.T) {
	ctx := context.Background()
	list := []metadata.Issue{{ID: 1, ProjectID: 1}}
	cases := []struct {
		name string
		fail map[string]error
		call func(*issues.Finder) error
		want error
	}{
		{"search, PostgreSQL busy", map[string]error{"SearchIssues": metadata.ErrBusy},
			func(f *issues.Finder) error { _, err := f.List(ctx, issues.Search{ProjectIDs: []int64{1}}); return err }, metadata.ErrBusy},
		{"search, ClickHouse down for terms", map[string]error{"IssuesWithEvents": analytics.ErrUnavailable},
			func(f *issues.Finder) error {
				_, err := f.List(ctx, issues.Search{ProjectIDs: []int64{1}, Query: parse(t, "has:user")})
				return err
			}, analytics.ErrUnavailable},
		{"search, ClickHouse down for users", map[string]error{"IssueUserCounts": analytics.ErrUnavailable},
			func(f *issues.Finder) error { _, err := f.List(ctx, issues.Search{ProjectIDs: []int64{1}}); return err }, analytics.ErrUnavailable},
		{"search, team lookup fails", map[string]error{"TeamBySlug": metadata.ErrBusy},
			func(f *issues.Finder) error {
				_, err := f.List(ctx, issues.Search{ProjectIDs: []int64{1}, Query: parse(t, "assigned:#ops")})
				return err
			}, metadata.ErrBusy},
		{"detail, ClickHouse down", map[string]error{"IssueUserCounts": analytics.ErrUnavailable},
			func(f *issues.Finder) error { _, err := f.Detail(ctx, 1, 1); return err }, analytics.ErrUnavailable},
		{"detail, PostgreSQL busy", map[string]error{"IssueForUser": metadata.ErrBusy},
			func(f *issues.Finder) error { _, err := f.Detail(ctx, 1, 1); return err }, metadata.ErrBusy},
	}
	for _, tc := range cases {
		f := newFinder(&issuestest.Store{Issues: list, Fail: tc.fail})
		if err := tc.call(f); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	var missing *issues.NotFoundError
	f := newFinder(&issuestest.Store{Issues: list})
	for name, call := range map[string]func() error{
		"get":      func() error { _, err := f.Get(ctx, 1, 2); return err },
		"detail":   func() error { _, err := f.Detail(ctx, 1, 2); return err },
		"activity": func() error { _, err := f.Activity(ctx, 1, 2); return err },
	} {
		if err := call(); !errors.As(err, &missing) || missing.Msg != "issue not found" {
			t.Errorf("%s of a missing issue: %v, want a NotFoundError", name, err)
		}
	}
}
