package issues

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/search"
	"github.com/faultline/faultline/metadata"
)

// Reader reads issues; *metadata.DB is one.
type Reader interface {
	SearchIssues(ctx context.Context, f metadata.IssueFilter) ([]metadata.Issue, error)
	CountIssues(ctx context.Context, f metadata.IssueFilter, limit int) (int, error)
	IssueForUser(ctx context.Context, userID, issueID int64) (metadata.Issue, error)
	IssueActivity(ctx context.Context, issueID int64) ([]metadata.Activity, error)
	IssueUserStates(ctx context.Context, userID int64, issueIDs []int64) (map[int64]metadata.UserIssueState, error)
	IssueSeenBy(ctx context.Context, issueID int64) ([]metadata.Seer, error)
	IssueByShareID(ctx context.Context, shareID string) (metadata.Issue, error)
}

// People resolves the teams and members that searches and assignments
// name; *metadata.DB is one.
type People interface {
	TeamBySlug(ctx context.Context, orgID int64, slug string) (metadata.Team, error)
	UserIDsByEmail(ctx context.Context, orgID int64, emails []string) ([]int64, error)
}

// EventIndex answers the questions about issues that only events can:
// which issues have events matching terms, and how many users each has
// seen; *analytics.Store is one.
type EventIndex interface {
	IssuesWithEventSets(ctx context.Context, projectIDs []uint64, since time.Time, sets [][]analytics.EventTerm) ([][]uint64, error)
	IssueUserCounts(ctx context.Context, projectID uint64, issueIDs []uint64) (map[uint64]uint64, error)
	IssuesCountSeries(ctx context.Context, projectIDs, issueIDs []uint64, since time.Time, step time.Duration) (map[uint64][]analytics.Bucket, error)
}

const (
	// searchWindow is how far back tag, environment and release filters
	// look when the search names no period.
	searchWindow = 90 * 24 * time.Hour
	// MaxSelected is how many issues a search ranks by users, and how many
	// a bulk change may select by query.
	MaxSelected = 1000
	// MaxCounted is where a list's total stops counting: past it the
	// dashboard says "1,000+" rather than read every issue. Sentry's API
	// stops at 1,000 too; counting to 10,000 was the slowest part of a
	// busy project's list.
	MaxCounted = 1000
)

// Finder searches and reads issues.
type Finder struct {
	issues Reader
	people People
	events EventIndex
}

// NewFinder returns a Finder over the given stores.
func NewFinder(issues Reader, people People, events EventIndex) *Finder {
	return &Finder{issues: issues, people: people, events: events}
}

// Search is a parsed issue search over some projects of one organization.
type Search struct {
	OrgID      int64
	UserID     int64 // whom assigned:me names
	ProjectIDs []int64
	Query      search.Query
	Sort       string // as metadata.IssueFilter's, or "user": most users first
	Now        time.Time
	// Period, when set, keeps issues seen within it, and is how far back
	// event conditions look (90 days otherwise).
	Period time.Duration
	// Start and End, when set, bound when issues were last seen; Start is
	// then also where event conditions start looking.
	Start, End    time.Time
	Limit, Offset int
	// StatsPeriod, when set ("24h" or "14d"), adds each listed issue's
	// event counts over it.
	StatsPeriod string
}

// StatsPeriods are the list's groupStatsPeriod values: how many buckets
// of what length each counts.
var StatsPeriods = map[string]struct {
	Buckets int
	Step    time.Duration
}{"24h": {24, time.Hour}, "14d": {14, 24 * time.Hour}}

// Listed is an issue with the number of users its events have seen, and
// what the user asking has done with it.
type Listed struct {
	metadata.Issue
	Users uint64
	metadata.UserIssueState
	SeenBy []metadata.Seer    // with Detail only
	Stats  []analytics.Bucket // with Search.StatsPeriod only
}

// List answers a search: at most Limit issues from Offset, each with its
// user count.
func (f *Finder) List(ctx context.Context, s Search) ([]Listed, error) {
	filter, err := f.filter(ctx, s)
	if err != nil {
		return nil, err
	}
	out, _, err := f.list(ctx, s, filter, false)
	return out, err
}

// ListCounted is List with how many issues the search selects in all (up
// to MaxCounted), the list's X-Hits. The search's conditions are compiled
// once.
func (f *Finder) ListCounted(ctx context.Context, s Search) ([]Listed, int, error) {
	filter, err := f.filter(ctx, s)
	if err != nil {
		return nil, 0, err
	}
	return f.list(ctx, s, filter, true)
}

// list reads the page, then what its rows need, and with count its total.
func (f *Finder) list(ctx context.Context, s Search, filter metadata.IssueFilter, count bool) ([]Listed, int, error) {
	byUsers := s.Sort == "user"
	if byUsers {
		// Users are counted in ClickHouse: rank the most recently seen
		// matches by them here, then page.
		filter.Sort, filter.Limit, filter.Offset = "date", MaxSelected, 0
	}
	found, err := f.issues.SearchIssues(ctx, filter)
	if err != nil {
		return nil, 0, err
	}
	total := -1
	if byUsers {
		if len(found) < MaxSelected {
			total = len(found)
		}
		var users map[int64]uint64
		if users, err = f.userCounts(ctx, found); err != nil {
			return nil, 0, err
		}
		sort.SliceStable(found, func(i, j int) bool { return users[found[i].ID] > users[found[j].ID] })
		found = found[min(s.Offset, len(found)):]
		found = found[:min(s.Limit, len(found))]
		return f.annotate(ctx, s, found, users, filter, count, total)
	}
	// A page short of its limit is the end of the matches, and then the
	// total is known without counting: what text searches usually are.
	if len(found) < filter.Limit && (len(found) > 0 || filter.Offset == 0) {
		total = filter.Offset + len(found)
	}
	return f.annotate(ctx, s, found, nil, filter, count, total)
}

// annotate adds the page's user counts (unless users has them), the
// caller's marks and the sparklines, and with count the list's total
// unless total (-1: unknown) has it. They are four queries (two in
// ClickHouse, two in PostgreSQL) that do not wait for one another: asked
// together, the list answers in the time of the slowest.
func (f *Finder) annotate(ctx context.Context, s Search, found []metadata.Issue, users map[int64]uint64,
	filter metadata.IssueFilter, count bool, total int) ([]Listed, int, error) {
	var states map[int64]metadata.UserIssueState
	var stats map[uint64][]analytics.Bucket
	var usersErr, statesErr, statsErr, countErr error
	var wg sync.WaitGroup
	if users == nil {
		wg.Go(func() { users, usersErr = f.userCounts(ctx, found) })
	}
	wg.Go(func() { states, statesErr = f.userStates(ctx, s.UserID, found) })
	wg.Go(func() { stats, statsErr = f.stats(ctx, s, found) })
	if count && total < 0 {
		wg.Go(func() {
			all := filter
			all.Limit, all.Offset = 0, 0
			total, countErr = f.issues.CountIssues(ctx, all, MaxCounted)
		})
	}
	wg.Wait()
	if err := errors.Join(usersErr, statesErr, statsErr, countErr); err != nil {
		return nil, 0, err
	}
	out := make([]Listed, len(found))
	for i, is := range found {
		out[i] = Listed{Issue: is, Users: users[is.ID], UserIssueState: states[is.ID], Stats: stats[uint64(is.ID)]}
	}
	return out, min(max(total, 0), MaxCounted), nil
}

// userStates reads what the user has done with each issue.
func (f *Finder) userStates(ctx context.Context, userID int64, list []metadata.Issue) (map[int64]metadata.UserIssueState, error) {
	ids := make([]int64, len(list))
	for i, is := range list {
		ids[i] = is.ID
	}
	return f.issues.IssueUserStates(ctx, userID, ids)
}

// stats counts the listed issues' events over the search's stats period,
// all in one query.
func (f *Finder) stats(ctx context.Context, s Search, list []metadata.Issue) (map[uint64][]analytics.Bucket, error) {
	period, ok := StatsPeriods[s.StatsPeriod]
	if !ok || len(list) == 0 {
		return nil, nil
	}
	ids := make([]uint64, len(list))
	for i, is := range list {
		ids[i] = uint64(is.ID)
	}
	pids := make([]uint64, len(s.ProjectIDs))
	for i, id := range s.ProjectIDs {
		pids[i] = uint64(id)
	}
	since := s.Now.Truncate(period.Step).Add(-time.Duration(period.Buckets-1) * period.Step)
	stats, err := f.events.IssuesCountSeries(ctx, pids, ids, since, period.Step)
	if err != nil {
		return nil, fmt.Errorf("issue stats: %w", err)
	}
	return stats, nil
}

// Select names the issues (at most MaxSelected) a search selects, for a
// bulk change; selecting none is a NotFoundError.
func (f *Finder) Select(ctx context.Context, s Search) ([]int64, error) {
	s.Limit, s.Offset = MaxSelected, 0
	filter, err := f.filter(ctx, s)
	if err != nil {
		return nil, err
	}
	found, err := f.issues.SearchIssues(ctx, filter)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, notFound("the query selects no issues")
	}
	ids := make([]int64, len(found))
	for i, is := range found {
		ids[i] = is.ID
	}
	return ids, nil
}

// Get returns an issue the user may see, or a NotFoundError.
func (f *Finder) Get(ctx context.Context, userID, issueID int64) (metadata.Issue, error) {
	is, err := f.issues.IssueForUser(ctx, userID, issueID)
	if errors.Is(err, metadata.ErrNotFound) {
		return is, notFound("issue not found")
	}
	return is, err
}

// Detail returns an issue the user may see with its user count, what the
// user has done with it, and who has seen it.
func (f *Finder) Detail(ctx context.Context, userID, issueID int64) (Listed, error) {
	is, err := f.Get(ctx, userID, issueID)
	if err != nil {
		return Listed{}, err
	}
	// Asked together, as the list's are.
	var users map[int64]uint64
	var states map[int64]metadata.UserIssueState
	var seen []metadata.Seer
	var usersErr, statesErr, seenErr error
	var wg sync.WaitGroup
	wg.Go(func() { users, usersErr = f.userCounts(ctx, []metadata.Issue{is}) })
	wg.Go(func() { states, statesErr = f.userStates(ctx, userID, []metadata.Issue{is}) })
	wg.Go(func() { seen, seenErr = f.issues.IssueSeenBy(ctx, is.ID) })
	wg.Wait()
	if err := errors.Join(usersErr, statesErr, seenErr); err != nil {
		return Listed{}, err
	}
	if seen == nil {
		seen = []metadata.Seer{} // the single issue says "nobody", not nothing
	}
	return Listed{Issue: is, Users: users[is.ID], UserIssueState: states[is.ID], SeenBy: seen}, nil
}

// Shared returns the public issue a share id names, with its user count;
// an unknown or revoked id is a NotFoundError.
func (f *Finder) Shared(ctx context.Context, shareID string) (Listed, error) {
	is, err := f.issues.IssueByShareID(ctx, shareID)
	if errors.Is(err, metadata.ErrNotFound) {
		return Listed{}, notFound("no issue is shared by this link")
	}
	if err != nil {
		return Listed{}, err
	}
	users, err := f.userCounts(ctx, []metadata.Issue{is})
	if err != nil {
		return Listed{}, err
	}
	return Listed{Issue: is, Users: users[is.ID]}, nil
}

// Activity returns the latest changes to an issue the user may see.
func (f *Finder) Activity(ctx context.Context, userID, issueID int64) ([]metadata.Activity, error) {
	is, err := f.Get(ctx, userID, issueID)
	if err != nil {
		return nil, err
	}
	return f.issues.IssueActivity(ctx, is.ID)
}

// filter turns a search into a PostgreSQL filter: the period and page
// here, the query's conditions in Match (see compile).
func (f *Finder) filter(ctx context.Context, s Search) (metadata.IssueFilter, error) {
	filter := metadata.IssueFilter{ProjectIDs: s.ProjectIDs, Sort: s.Sort, Limit: s.Limit, Offset: s.Offset}
	since := s.Now.Add(-searchWindow)
	if s.Period > 0 {
		since = s.Now.Add(-s.Period)
		filter.LastSeen[0] = since
	}
	if !s.Start.IsZero() {
		filter.LastSeen[0], since = s.Start, s.Start
	}
	if !s.End.IsZero() {
		filter.LastSeen[1] = s.End
	}
	if s.Query.Root.Op == "" && s.Query.Root.Cond == nil {
		return filter, nil
	}
	match, err := f.compile(ctx, s, since)
	if err != nil {
		return filter, err
	}
	filter.Match = &match
	return filter, nil
}

// userCounts counts each issue's distinct users, project by project.
func (f *Finder) userCounts(ctx context.Context, list []metadata.Issue) (map[int64]uint64, error) {
	byProject := map[int64][]uint64{}
	for _, is := range list {
		byProject[is.ProjectID] = append(byProject[is.ProjectID], uint64(is.ID))
	}
	users := map[int64]uint64{}
	for pid, ids := range byProject {
		counts, err := f.events.IssueUserCounts(ctx, uint64(pid), ids)
		if err != nil {
			return nil, fmt.Errorf("count users: %w", err)
		}
		for id, n := range counts {
			users[int64(id)] = n
		}
	}
	return users, nil
}

func toInt64(ids []uint64) []int64 {
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(id)
	}
	return out
}
