// Package issuestest is an in-memory stand-in for the stores behind the
// issue services, for tests of the services and their handlers that need
// no database.
package issuestest

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/releaseorder"
)

// Store is every store the issue services use, over a list of issues. A
// method named in Fail fails with that error (a store that is down, busy
// or refuses the request); the others answer from the fields and record
// what they were asked.
type Store struct {
	Issues   []metadata.Issue
	Teams    map[string]int64    // "#slug" → team id
	Members  map[string]int64    // email → user id
	Tagged   map[string][]uint64 // "key:value" → issues with such events
	Users    map[int64]uint64    // issue id → distinct users
	Activity []metadata.Activity
	Events   map[int64][]analytics.EventRow // issue id → its events, newest first
	Tags     []analytics.TagCounts
	Buckets  []analytics.Bucket
	Values   []analytics.TagValueCount
	Notes    []metadata.Comment
	Feedback []metadata.Feedback
	States   map[int64]metadata.UserIssueState // issue id → the caller's bookmark and seen mark
	SeenBy   []metadata.Seer
	Series   map[uint64][]analytics.Bucket // issue id → its stats
	Fail     map[string]error

	// What the store was asked.
	Filters    []metadata.IssueFilter
	EventTerms [][]analytics.EventTerm
	EventSince []time.Time
	Updates    []metadata.IssueUpdate
	Deleted    []int64
	Merged     []metadata.MergePlan
	Added      []metadata.Comment
	Edited     []metadata.Comment
	Removed    []int64         // comment ids deleted
	SeriesAsks [][]uint64      // the issue ids of each IssuesCountSeries call
	SeriesStep []time.Duration // and its step
}

func (s *Store) fail(method string) error { return s.Fail[method] }

// find lists the issues of projects among ids.
func (s *Store) find(projectIDs, ids []int64) []metadata.Issue {
	var out []metadata.Issue
	for _, is := range s.Issues {
		if slices.Contains(projectIDs, is.ProjectID) && slices.Contains(ids, is.ID) {
			out = append(out, is)
		}
	}
	return out
}

// SearchIssues applies the filter's projects, statuses, id lists, match
// and page.
func (s *Store) SearchIssues(_ context.Context, f metadata.IssueFilter) ([]metadata.Issue, error) {
	s.Filters = append(s.Filters, f)
	if err := s.fail("SearchIssues"); err != nil {
		return nil, err
	}
	return s.search(f), nil
}

// search is SearchIssues without recording the filter.
func (s *Store) search(f metadata.IssueFilter) []metadata.Issue {
	var out []metadata.Issue
	for _, is := range s.Issues {
		switch {
		case !slices.Contains(f.ProjectIDs, is.ProjectID),
			len(f.Statuses) > 0 && !slices.Contains(f.Statuses, is.Status),
			f.RestrictIDs && !slices.Contains(f.OnlyIDs, is.ID),
			slices.Contains(f.ExcludeIDs, is.ID),
			f.Match != nil && !matches(is, *f.Match):
			continue
		}
		out = append(out, is)
	}
	out = out[min(f.Offset, len(out)):]
	if f.Limit > 0 {
		out = out[:min(f.Limit, len(out))]
	}
	return out
}

// CountIssues counts what SearchIssues finds without the page, up to
// limit; it runs alongside SearchIssues, so it records nothing.
func (s *Store) CountIssues(_ context.Context, f metadata.IssueFilter, limit int) (int, error) {
	f.Limit, f.Offset = limit, 0
	return len(s.search(f)), nil
}

// IssueForUser finds an issue by id; every user may see every issue.
func (s *Store) IssueForUser(_ context.Context, _, issueID int64) (metadata.Issue, error) {
	if err := s.fail("IssueForUser"); err != nil {
		return metadata.Issue{}, err
	}
	for _, is := range s.Issues {
		if is.ID == issueID {
			return is, nil
		}
	}
	return metadata.Issue{}, metadata.ErrNotFound
}

// IssueActivity answers Activity.
func (s *Store) IssueActivity(context.Context, int64) ([]metadata.Activity, error) {
	return s.Activity, s.fail("IssueActivity")
}

// TeamBySlug finds a team of Teams.
func (s *Store) TeamBySlug(_ context.Context, _ int64, slug string) (metadata.Team, error) {
	if err := s.fail("TeamBySlug"); err != nil {
		return metadata.Team{}, err
	}
	id, ok := s.Teams[slug]
	if !ok {
		return metadata.Team{}, metadata.ErrNotFound
	}
	return metadata.Team{ID: id, Slug: slug}, nil
}

// UserIDsByEmail finds members of Members.
func (s *Store) UserIDsByEmail(_ context.Context, _ int64, emails []string) ([]int64, error) {
	if err := s.fail("UserIDsByEmail"); err != nil {
		return nil, err
	}
	var ids []int64
	for _, e := range emails {
		if id, ok := s.Members[e]; ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// IssuesWithEventSets answers, for each set of terms, the issues tagged
// with every term of it (a term with no value matches its key alone).
func (s *Store) IssuesWithEventSets(_ context.Context, _ []uint64, since time.Time, sets [][]analytics.EventTerm) ([][]uint64, error) {
	for range sets {
		s.EventSince = append(s.EventSince, since)
	}
	s.EventTerms = append(s.EventTerms, sets...)
	if err := s.fail("IssuesWithEventSets"); err != nil {
		return nil, err
	}
	out := make([][]uint64, len(sets))
	for j, terms := range sets {
		for i, t := range terms {
			ids := s.Tagged[t.Key+":"+t.Value]
			if i == 0 {
				out[j] = slices.Clone(ids)
				continue
			}
			out[j] = slices.DeleteFunc(out[j], func(id uint64) bool { return !slices.Contains(ids, id) })
		}
	}
	return out, nil
}

// IssueUserCounts answers Users.
func (s *Store) IssueUserCounts(_ context.Context, _ uint64, issueIDs []uint64) (map[uint64]uint64, error) {
	if err := s.fail("IssueUserCounts"); err != nil {
		return nil, err
	}
	out := map[uint64]uint64{}
	for _, id := range issueIDs {
		out[id] = s.Users[int64(id)]
	}
	return out, nil
}

// UpdateIssues counts the issues of projectIDs among issueIDs, records the
// update when there are any, and applies its status and resolution to them
// (resolved in the next release: after the issue's last release).
func (s *Store) UpdateIssues(_ context.Context, projectIDs, issueIDs []int64, _ int64, u metadata.IssueUpdate) (int, error) {
	if err := s.fail("UpdateIssues"); err != nil {
		return 0, err
	}
	n := len(s.find(projectIDs, issueIDs))
	if n > 0 {
		s.Updates = append(s.Updates, u)
	}
	for i := range s.Issues {
		is := &s.Issues[i]
		if !slices.Contains(projectIDs, is.ProjectID) || !slices.Contains(issueIDs, is.ID) {
			continue
		}
		s.applyUserState(is, u)
		if u.Status == nil {
			continue
		}
		is.Status, is.ResolutionType, is.ResolutionRelease = *u.Status, "", ""
		switch {
		case u.InRelease != "":
			is.ResolutionType, is.ResolutionRelease = releaseorder.InRelease, u.InRelease
		case u.InNextRelease:
			is.ResolutionType, is.ResolutionRelease = releaseorder.InNextRelease, is.LastRelease
		}
	}
	return n, nil
}

// DeleteIssues records and counts the issues of projectIDs among issueIDs.
func (s *Store) DeleteIssues(_ context.Context, projectIDs, issueIDs []int64) (int, error) {
	if err := s.fail("DeleteIssues"); err != nil {
		return 0, err
	}
	found := s.find(projectIDs, issueIDs)
	for _, is := range found {
		s.Deleted = append(s.Deleted, is.ID)
	}
	return len(found), nil
}

// PlanMerge keeps the issue seen most often, as PostgreSQL does.
func (s *Store) PlanMerge(_ context.Context, projectIDs, issueIDs []int64) (metadata.MergePlan, error) {
	if err := s.fail("PlanMerge"); err != nil {
		return metadata.MergePlan{}, err
	}
	found := s.find(projectIDs, issueIDs)
	slices.SortStableFunc(found, func(a, b metadata.Issue) int { return int(b.TimesSeen - a.TimesSeen) })
	var plan metadata.MergePlan
	for i, is := range found {
		if i == 0 {
			plan.ProjectID, plan.Parent = is.ProjectID, is.ID
		} else {
			plan.Children = append(plan.Children, is.ID)
		}
	}
	return plan, nil
}

// Merge records the plan.
func (s *Store) Merge(_ context.Context, plan metadata.MergePlan, _ int64) error {
	if err := s.fail("Merge"); err != nil {
		return err
	}
	s.Merged = append(s.Merged, plan)
	return nil
}

// matches evaluates a condition on statuses, levels, ids, text and times
// seen; a condition on any other field holds.
func matches(is metadata.Issue, c metadata.IssueCond) bool {
	var ok bool
	switch {
	case c.Op == "and":
		ok = true
		for _, a := range c.Args {
			ok = ok && matches(is, a)
		}
	case c.Op == "or":
		for _, a := range c.Args {
			ok = ok || matches(is, a)
		}
	case c.Field == metadata.FieldStatus:
		ok = slices.Contains(c.Value.([]string), is.Status)
	case c.Field == metadata.FieldLevel:
		ok = slices.Contains(c.Value.([]string), is.Level)
	case c.Field == metadata.FieldID:
		ok = slices.Contains(c.Value.([]int64), is.ID)
	case c.Field == metadata.FieldText:
		ok = strings.Contains(strings.ToLower(is.Title), strings.ToLower(c.Value.(string)))
	case c.Field == metadata.FieldTimesSeen:
		n := c.Value.(int64)
		ok = map[string]bool{"=": is.TimesSeen == n, ">": is.TimesSeen > n, ">=": is.TimesSeen >= n,
			"<": is.TimesSeen < n, "<=": is.TimesSeen <= n}[c.Cmp]
	default:
		ok = true
	}
	return ok != c.Not
}
