package frontend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/search"
	"github.com/gofiber/fiber/v2"
)

// sessionStore answers release-health counts; *analytics.Store is one.
type sessionStore interface {
	SessionHealth(ctx context.Context, q analytics.HealthQuery) ([]analytics.HealthRow, error)
}

const (
	// maxSessionBuckets bounds a series: a narrower interval is widened.
	maxSessionBuckets = 1000
	// maxSessionPoints bounds groups × buckets, as Sentry does: the groups
	// with the fewest sessions are left out past it.
	maxSessionPoints = 10_000
)

// sessionFields are the fields /sessions/ computes.
var sessionFields = map[string]func(sessionCounts) any{
	"sum(session)":       func(s sessionCounts) any { return s.sessions },
	"count_unique(user)": func(s sessionCounts) any { return s.users },
	"crash_free_rate(session)": func(s sessionCounts) any {
		return rateOrNil(s.HealthCounts.CrashFreeSessions())
	},
	"crash_free_rate(user)": func(s sessionCounts) any { return rateOrNil(s.HealthCounts.CrashFreeUsers()) },
	"crash_rate(session)": func(s sessionCounts) any {
		v, ok := s.HealthCounts.CrashFreeSessions()
		return rateOrNil(1-v, ok)
	},
	"crash_rate(user)": func(s sessionCounts) any {
		v, ok := s.HealthCounts.CrashFreeUsers()
		return rateOrNil(1-v, ok)
	},
}

// sessionGroupings are the groupBy values; session.status splits each
// group into Sentry's four outcomes rather than naming a column.
var sessionGroupings = []string{"project", "release", "environment", "session.status"}

// sessionStatuses are Sentry's outcomes of a session, in its order.
var sessionStatuses = []string{"healthy", "errored", "crashed", "abnormal"}

func rateOrNil(v float64, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

// sessionCounts is what one group's fields are computed from: its
// sessions and users, of one status when split by session.status.
type sessionCounts struct {
	analytics.HealthCounts
	sessions, users uint64
}

// byStatus splits counts into Sentry's outcomes: crashed and abnormal
// sessions are errored too, so "errored" is what is left of them, and
// "healthy" is what did not error.
func byStatus(h analytics.HealthCounts, status string) sessionCounts {
	sub := func(a uint64, b ...uint64) uint64 {
		for _, x := range b {
			a -= min(a, x)
		}
		return a
	}
	switch status {
	case "healthy":
		return sessionCounts{h, sub(h.Sessions, h.Errored), sub(h.Users, h.ErroredUsers)}
	case "errored":
		return sessionCounts{h, sub(h.Errored, h.Crashed, h.Abnormal), sub(h.ErroredUsers, h.CrashedUsers, h.AbnormalUsers)}
	case "crashed":
		return sessionCounts{h, h.Crashed, h.CrashedUsers}
	case "abnormal":
		return sessionCounts{h, h.Abnormal, h.AbnormalUsers}
	}
	return sessionCounts{h, h.Sessions, h.Users}
}

// sessionsRequest is a parsed /sessions/ request.
type sessionsRequest struct {
	fields   []string
	groupBy  []string // without session.status
	byStatus bool
	query    analytics.HealthQuery // without Step
	step     time.Duration
	buckets  int
	none     bool // the filters contradict each other: nothing matches
}

// sessionStats answers Sentry's release-health statistics,
// /organizations/{org}/sessions/: field (sum(session), count_unique(user),
// crash_free_rate(session|user), crash_rate(session|user)), groupBy
// (project, release, environment, session.status), statsPeriod or start
// and end, interval, project, environment and query (release: and
// environment:, one value or a [list]).
func (a *API) sessionStats(c *fiber.Ctx) error {
	_, projects, err := a.orgProjectsAllowing(c, "event:read")
	if err != nil {
		return err
	}
	ids, _ := projectScope(projects)
	r, err := a.parseSessionsRequest(c, time.Now().UTC())
	if err != nil {
		return err
	}
	r.query.ProjectIDs = ids
	var totals, series []analytics.HealthRow
	if !r.none {
		if totals, err = a.sessionHealth(c.Context(), r.query); err != nil {
			return err
		}
		q := r.query
		q.Step = r.step
		if series, err = a.sessionHealth(c.Context(), q); err != nil {
			return err
		}
	}
	return c.JSON(fiber.Map{"start": r.query.Start.Format(time.RFC3339), "end": r.query.End.Format(time.RFC3339),
		"intervals": r.intervals(), "groups": r.groups(totals, series), "query": c.Query("query")})
}

func (a *API) sessionHealth(ctx context.Context, q analytics.HealthQuery) ([]analytics.HealthRow, error) {
	rows, err := a.health.SessionHealth(ctx, q)
	if errors.Is(err, analytics.ErrBadQuery) {
		return nil, fiber.NewError(fiber.StatusBadRequest, strings.TrimPrefix(err.Error(), "bad query: "))
	}
	return rows, err
}

func (a *API) parseSessionsRequest(c *fiber.Ctx, now time.Time) (sessionsRequest, error) {
	var r sessionsRequest
	r.fields = queryList(c, "field")
	if len(r.fields) == 0 {
		return r, fiber.NewError(fiber.StatusBadRequest, `field: name at least one, such as field=sum(session)`)
	}
	for _, f := range r.fields {
		if sessionFields[f] == nil {
			return r, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("field: %q is not one of sum(session), count_unique(user), "+
				"crash_free_rate(session), crash_free_rate(user), crash_rate(session), crash_rate(user)", f))
		}
	}
	for _, g := range queryList(c, "groupBy") {
		switch {
		case !slices.Contains(sessionGroupings, g):
			return r, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("groupBy: %q is not one of project, release, environment, session.status", g))
		case g == "session.status":
			r.byStatus = true
		case !slices.Contains(r.groupBy, g):
			r.groupBy = append(r.groupBy, g)
		}
	}
	if r.byStatus {
		for _, f := range r.fields {
			if strings.Contains(f, "rate(") {
				return r, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("groupBy: cannot group field %s by session.status", f))
			}
		}
	}
	start, end, err := a.sessionsWindow(c, now)
	if err != nil {
		return r, err
	}
	if r.step, err = sessionsInterval(c.Query("interval")); err != nil {
		return r, err
	}
	r.query.Start, r.query.End, r.step, r.buckets = alignWindow(start, end, r.step)
	r.query.GroupBy = r.groupBy
	releases, environments, err := sessionsQuery(c.Query("query"), now)
	if err != nil {
		return r, err
	}
	r.query.Releases = releases
	r.query.Environments = environments
	if params := queryList(c, "environment"); len(params) > 0 {
		if environments != nil {
			params = slices.DeleteFunc(params, func(e string) bool { return !slices.Contains(environments, e) })
		}
		r.query.Environments = params
		r.none = len(params) == 0
	}
	r.none = r.none || (releases != nil && len(releases) == 0) || (environments != nil && len(environments) == 0)
	return r, nil
}

// sessionsWindow is statsPeriod (24h by default) up to now, or start to end.
func (a *API) sessionsWindow(c *fiber.Ctx, now time.Time) (start, end time.Time, err error) {
	start, hasStart, err := a.timeParam(c, "start", now)
	if err != nil {
		return start, end, err
	}
	end, hasEnd, err := a.timeParam(c, "end", now)
	if err != nil {
		return start, end, err
	}
	switch {
	case hasStart != hasEnd:
		return start, end, fiber.NewError(fiber.StatusBadRequest, "start and end: give both, or statsPeriod")
	case hasStart && !end.After(start):
		return start, end, fiber.NewError(fiber.StatusBadRequest, "end: must be after start")
	case hasStart:
		return start.UTC(), end.UTC(), nil
	}
	period, err := a.periodParam(c, "24h")
	if err != nil {
		return start, end, err
	}
	return now.Add(-period), now, nil
}

// sessionsInterval reads interval (1h by default): whole seconds, at least
// a minute.
func sessionsInterval(v string) (time.Duration, error) {
	if v == "" {
		return time.Hour, nil
	}
	step, err := search.ParseDuration(v)
	switch {
	case errors.Is(err, search.ErrPeriodTooLong):
		return 0, badParam("interval", fmt.Errorf("%q is longer than any period", v))
	case err != nil:
		return 0, badParam("interval", err)
	case step < minInterval:
		return 0, badParam("interval", fmt.Errorf("%q is shorter than the shortest interval, 1m", v))
	}
	return step, nil
}

// niceSteps are the widths a too-narrow interval widens to.
var niceSteps = []time.Duration{2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// alignWindow rounds start down and end up to whole steps (counted from
// the Unix epoch, as ClickHouse buckets them). A step that would need more
// than maxSessionBuckets buckets widens to the first of niceSteps that is
// a multiple of it and wide enough, else to a multiple of itself.
func alignWindow(start, end time.Time, step time.Duration) (time.Time, time.Time, time.Duration, int) {
	for {
		secs := int64(step / time.Second)
		from := start.Unix() / secs * secs
		to := (end.Unix() + secs - 1) / secs * secs
		buckets := int((to - from) / secs)
		if buckets <= maxSessionBuckets {
			return time.Unix(from, 0).UTC(), time.Unix(to, 0).UTC(), step, buckets
		}
		wider := step * time.Duration((buckets+maxSessionBuckets-1)/maxSessionBuckets)
		for _, nice := range niceSteps {
			if nice >= wider && nice%step == 0 {
				wider = nice
				break
			}
		}
		step = wider
	}
}

// sessionsQuery reads query: release:X, environment:X, or a list of values
// release:[a,b]. A nil list filters nothing.
func sessionsQuery(q string, now time.Time) (releases, environments []string, err error) {
	parsed, err := search.Parse(q, now)
	if err != nil {
		return nil, nil, fiber.NewError(fiber.StatusBadRequest, "query: "+err.Error())
	}
	conds, ok := parsed.Conjuncts()
	var releaseTerms, environmentTerms []search.Cond
	for _, c := range conds {
		switch {
		case c.Kind == search.KindTag && c.Key == "release":
			releaseTerms = append(releaseTerms, c)
		case c.Kind == search.KindTag && c.Key == "environment":
			environmentTerms = append(environmentTerms, c)
		default:
			ok = false
		}
	}
	if !ok {
		return nil, nil, fiber.NewError(fiber.StatusBadRequest, "query: sessions filter by release: and environment: only")
	}
	values := func(terms []search.Cond) ([]string, error) {
		var out []string // nil: no filter
		for i, t := range terms {
			if t.Negate {
				return nil, fmt.Errorf("query: !%s: is not supported for sessions", t.Key)
			}
			these := listValues(t.Value)
			if i > 0 { // several terms of one key must all hold
				these = slices.DeleteFunc(these, func(v string) bool { return !slices.Contains(out, v) })
			}
			out = append([]string{}, these...) // empty, not nil, when nothing can match
		}
		return out, nil
	}
	if releases, err = values(releaseTerms); err != nil {
		return nil, nil, fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	if environments, err = values(environmentTerms); err != nil {
		return nil, nil, fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	return releases, environments, nil
}

// listValues reads a filter's value: one value, or Sentry's list [a,b].
func listValues(v string) []string {
	if !strings.HasPrefix(v, "[") || !strings.HasSuffix(v, "]") {
		return []string{v}
	}
	var out []string
	for _, item := range strings.Split(v[1:len(v)-1], ",") {
		if item = strings.Trim(strings.TrimSpace(item), `"`); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func (r sessionsRequest) intervals() []string {
	out := make([]string, r.buckets)
	for i := range out {
		out[i] = r.query.Start.Add(time.Duration(i) * r.step).Format(time.RFC3339)
	}
	return out
}

type sessionGroupJSON struct {
	By     map[string]any   `json:"by"`
	Totals map[string]any   `json:"totals"`
	Series map[string][]any `json:"series"`
}

// groups shapes Sentry's groups: one per group key (and status when split
// by session.status), the largest first, at most maxSessionPoints points.
// Without groupBy there is always one group, zero when nothing matched.
func (r sessionsRequest) groups(totals, series []analytics.HealthRow) []sessionGroupJSON {
	type key struct {
		project          uint64
		release, environ string
	}
	keyOf := func(h analytics.HealthRow) key { return key{h.ProjectID, h.Release, h.Environment} }
	if len(r.groupBy) == 0 && len(totals) == 0 {
		totals = []analytics.HealthRow{{}}
	}
	sort.SliceStable(totals, func(i, j int) bool { return totals[i].Sessions > totals[j].Sessions })
	statuses := []string{""}
	if r.byStatus {
		statuses = sessionStatuses
	}
	if most := maxSessionPoints / ((r.buckets + 1) * len(statuses)); len(totals) > max(most, 1) {
		totals = totals[:max(most, 1)]
	}
	buckets := map[key][]analytics.HealthCounts{}
	for _, s := range series {
		k := keyOf(s)
		if buckets[k] == nil {
			buckets[k] = make([]analytics.HealthCounts, r.buckets)
		}
		if i := int(s.Bucket.Sub(r.query.Start) / r.step); i >= 0 && i < r.buckets {
			buckets[k][i] = s.HealthCounts
		}
	}
	out := []sessionGroupJSON{}
	for _, t := range totals {
		perBucket := buckets[keyOf(t)]
		if perBucket == nil {
			perBucket = make([]analytics.HealthCounts, r.buckets)
		}
		for _, status := range statuses {
			g := sessionGroupJSON{By: map[string]any{}, Totals: map[string]any{}, Series: map[string][]any{}}
			for _, name := range r.groupBy {
				switch name {
				case "project":
					g.By[name] = t.ProjectID
				case "release":
					g.By[name] = t.Release
				case "environment":
					g.By[name] = t.Environment
				}
			}
			if status != "" {
				g.By["session.status"] = status
			}
			for _, f := range r.fields {
				compute := sessionFields[f]
				g.Totals[f] = compute(byStatus(t.HealthCounts, status))
				points := make([]any, r.buckets)
				for i, b := range perBucket {
					points[i] = compute(byStatus(b, status))
				}
				g.Series[f] = points
			}
			out = append(out, g)
		}
	}
	return out
}
