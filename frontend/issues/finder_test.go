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

func cond(field, cmp string, v any) metadata.IssueCond {
	return metadata.IssueCond{Field: field, Cmp: cmp, Value: v}
}

func and(args ...metadata.IssueCond) metadata.IssueCond {
	return metadata.IssueCond{Op: "and", Args: args}
}

func or(args ...metadata.IssueCond) metadata.IssueCond {
	return metadata.IssueCond{Op: "or", Args: args}
}

func not(c metadata.IssueCond) metadata.IssueCond { c.Not = true; return c }

// A search becomes one PostgreSQL filter: the period and page, and the
// query's conditions as one condition tree.
func TestSearchFilter(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name      string
		query     string
		edit      func(*issues.Search)
		match     *metadata.IssueCond
		lastSeen  [2]time.Time
		sortLimit string
	}{
		{name: "statuses and levels", query: "is:resolved level:error !level:info",
			match: ptr(and(cond("status", "", []string{"resolved"}), cond("level", "", []string{"error"}), not(cond("level", "", []string{"info"}))))},
		{name: "statuses side by side are either", query: "is:unresolved level:error is:ignored",
			match: ptr(and(cond("status", "", []string{"unresolved", "ignored"}), cond("level", "", []string{"error"})))},
		{name: "lists", query: "is:[resolved,ignored] level:[error,fatal] assigned:[me,none]",
			match: ptr(and(cond("status", "", []string{"resolved", "ignored"}), cond("level", "", []string{"error", "fatal"}),
				or(cond("assignee_id", "", []int64{42}), cond("unassigned", "", nil))))},
		{name: "a list of one", query: "assigned:[#ops] level:[error]",
			match: ptr(and(cond("level", "", []string{"error"}), cond("assignee_team_id", "", []int64{3})))},
		{name: "OR and parentheses", query: "is:unresolved (level:error OR level:fatal) times_seen:>=10",
			match: ptr(and(cond("status", "", []string{"unresolved"}), or(cond("level", "", []string{"error"}), cond("level", "", []string{"fatal"})),
				cond("times_seen", ">=", int64(10))))},
		{name: "people side by side are any of them", query: "assigned:me assigned:#ops assigned:ann@example.com",
			match: ptr(and(or(cond("assignee_id", "", []int64{42}), cond("assignee_team_id", "", []int64{3}), cond("assignee_id", "", []int64{7}))))},
		{name: "people", query: "assigned:me OR assigned:#ops OR assigned:ann@example.com",
			match: ptr(or(cond("assignee_id", "", []int64{42}), cond("assignee_team_id", "", []int64{3}), cond("assignee_id", "", []int64{7})))},
		{name: "people who are not there match nobody", query: "assigned:#nobody OR assigned:bob@example.com OR assigned:none",
			match: ptr(or(metadata.MatchNone, cond("assignee_id", "", []int64{}), cond("unassigned", "", nil)))},
		{name: "first seen range", query: "firstSeen:2026-11-02",
			match: ptr(and(cond("first_seen", ">=", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)), cond("first_seen", "<", time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))))},
		{name: "short id or its text", query: "SHOP-1A",
			match: ptr(or(cond("short_id", "", metadata.ShortID{Project: "shop", Number: 46}), cond("text", "", "SHOP-1A")))},
		{name: "a period keeps issues seen within it", query: "", edit: func(s *issues.Search) { s.Period = day },
			lastSeen: [2]time.Time{now.Add(-day)}},
		{name: "a query bound stays beside the period", query: "lastSeen:-1h", edit: func(s *issues.Search) { s.Period = day },
			match: ptr(and(cond("last_seen", ">=", now.Add(-time.Hour)))), lastSeen: [2]time.Time{now.Add(-day)}},
		{name: "start and end", query: "", edit: func(s *issues.Search) { s.Start, s.End = now.Add(-2*day), now.Add(-day) },
			lastSeen: [2]time.Time{now.Add(-2 * day), now.Add(-day)}},
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
			f := store.Filters[0]
			if !reflect.DeepEqual(f.Match, tc.match) {
				t.Errorf("match\n%+v\nwant\n%+v", f.Match, tc.match)
			}
			if f.LastSeen != tc.lastSeen {
				t.Errorf("last seen %v, want %v", f.LastSeen, tc.lastSeen)
			}
			if len(store.EventTerms) != 0 {
				t.Errorf("asked ClickHouse %v for a search with no event terms", store.EventTerms)
			}
		})
	}
}

func TestSearchPage(t *testing.T) {
	store := &issuestest.Store{}
	s := issues.Search{ProjectIDs: []int64{1}, Sort: "freq", Now: now, Limit: 26, Offset: 50}
	if _, err := newFinder(store).List(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if f := store.Filters[0]; f.Limit != 26 || f.Offset != 50 || f.Sort != "freq" || f.Match != nil {
		t.Errorf("limit %d offset %d sort %q match %v", f.Limit, f.Offset, f.Sort, f.Match)
	}
}

// Tags, environments, releases and has: are answered by ClickHouse, in
// one question: positive terms ANDed side by side are one set (one event
// must meet them all), a negated term or one inside OR a set of its own;
// each looks back as far as the period.
func TestSearchEventTerms(t *testing.T) {
	store := &issuestest.Store{
		Issues: []metadata.Issue{{ID: 1, ProjectID: 1}, {ID: 2, ProjectID: 1}, {ID: 3, ProjectID: 1}, {ID: 4, ProjectID: 1}},
		Tagged: map[string][]uint64{"browser:Firefox": {1, 2}, "environment:prod": {1, 2, 3}, "release:1.0": {2},
			"browser:Chrome": {4}},
	}
	s := issues.Search{ProjectIDs: []int64{1}, Query: parse(t, "(browser:Firefox environment:prod !release:1.0) OR browser:Chrome"), Now: now, Period: time.Hour, Limit: 10}
	got, err := newFinder(store).List(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, is := range got {
		ids = append(ids, is.ID)
	}
	if !slices.Equal(ids, []int64{1, 4}) {
		t.Errorf("found %v, want issues 1 and 4", ids)
	}
	want := [][]analytics.EventTerm{{{Key: "release", Value: "1.0"}}, {{Key: "browser", Value: "Firefox"}, {Key: "environment", Value: "prod"}},
		{{Key: "browser", Value: "Chrome"}}}
	if !reflect.DeepEqual(store.EventTerms, want) {
		t.Errorf("asked ClickHouse %v, want %v", store.EventTerms, want)
	}
	// A list is any of its values.
	store.EventTerms = nil
	s.Query = parse(t, "browser:[Chrome,Firefox] !release:[1.0] environment:[prod]")
	if got, err = newFinder(store).List(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	ids = nil
	for _, is := range got {
		ids = append(ids, is.ID)
	}
	if !slices.Equal(ids, []int64{1}) {
		t.Errorf("lists found %v, want issue 1", ids)
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
		{"search, ClickHouse down for terms", map[string]error{"IssuesWithEventSets": analytics.ErrUnavailable},
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
