package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/gofiber/fiber/v2"
)

// fakeSessions answers SessionHealth with rows and remembers the queries.
type fakeSessions struct {
	totals, series []analytics.HealthRow
	fail           error
	asked          []analytics.HealthQuery
}

func (f *fakeSessions) SessionHealth(_ context.Context, q analytics.HealthQuery) ([]analytics.HealthRow, error) {
	f.asked = append(f.asked, q)
	if q.Step == 0 {
		return f.totals, f.fail
	}
	return f.series, f.fail
}

func sessionsApp(store *fakeSessions, scopes []string) *fiber.App {
	a := &API{access: fakeAccess{}, health: store}
	return testApp(scopes, func(r fiber.Router) { r.Get("/organizations/:org/sessions/", a.sessionStats) })
}

func TestSessionsRefusals(t *testing.T) {
	const base = "/api/0/organizations/acme/sessions/?field=sum(session)&"
	cases := []struct {
		name, query string
		scopes      []string
		fail        error
		status      int
		detail      string
	}{
		{name: "no field", query: "/api/0/organizations/acme/sessions/", status: 400, detail: "field: name at least one"},
		{name: "unknown field", query: base + "field=p50(session.duration)", status: 400, detail: `field: "p50(session.duration)" is not one of`},
		{name: "unknown groupBy", query: base + "groupBy=browser", status: 400, detail: `groupBy: "browser" is not one of`},
		{name: "rate by status", query: base + "field=crash_free_rate(session)&groupBy=session.status", status: 400,
			detail: "cannot group field crash_free_rate(session) by session.status"},
		{name: "interval not a period", query: base + "interval=hourly", status: 400, detail: "interval: "},
		{name: "interval of seconds", query: base + "interval=30s", status: 400, detail: "interval: \"30s\" is shorter than the shortest interval"},
		{name: "interval of zero", query: base + "interval=0m", status: 400, detail: "interval: "},
		{name: "interval past any period", query: base + "interval=99999999999999w", status: 400, detail: "interval: "},
		{name: "bad statsPeriod", query: base + "statsPeriod=0h", status: 400, detail: "statsPeriod: "},
		{name: "start without end", query: base + "start=2026-11-01T00:00:00Z", status: 400, detail: "start and end: give both"},
		{name: "end before start", query: base + "start=" + url.QueryEscape(time.Now().UTC().Format(time.RFC3339)) +
			"&end=" + url.QueryEscape(time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)), status: 400, detail: "end: must be after start"},
		{name: "malformed start", query: base + "start=yesterday&end=2026-11-01T00:00:00Z", status: 400, detail: "start: use an RFC 3339 time"},
		{name: "free text query", query: base + "query=checkout", status: 400, detail: "query: sessions filter by release: and environment: only"},
		{name: "tag query", query: base + "query=level:error", status: 400, detail: "query: sessions filter by release: and environment: only"},
		{name: "negated release", query: base + "query=!release:a", status: 400, detail: "query: !release: is not supported"},
		{name: "unknown project", query: base + "project=9", status: 404, detail: "project not found"},
		{name: "token without event:read", query: base, scopes: []string{"org:read"}, status: 403, detail: "event:read"},
		{name: "ClickHouse down", query: base, fail: analytics.ErrUnavailable, status: 503, detail: "ClickHouse"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			scopes := tc.scopes
			if scopes == nil {
				scopes = allEventScopes
			}
			got := call(t, sessionsApp(&fakeSessions{fail: tc.fail}, scopes), "GET", tc.query, "")
			checkRefusal(t, "GET", tc.query, got, tc.status, tc.detail)
		})
	}
}

type sessionsAnswer struct {
	Start, End string
	Intervals  []string
	Groups     []sessionGroupJSON
	Query      string
}

func getSessions(t *testing.T, store *fakeSessions, path string) sessionsAnswer {
	t.Helper()
	got := call(t, sessionsApp(store, allEventScopes), "GET", path, "")
	if got.status != 200 {
		t.Fatalf("GET %s: %d %s", path, got.status, got.body)
	}
	var out sessionsAnswer
	if err := json.Unmarshal([]byte(got.body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// An interval too narrow for the period is widened to a multiple of itself
// so the series has at most maxSessionBuckets points; the window is
// aligned to it.
func TestSessionsIntervalClamp(t *testing.T) {
	for _, tc := range []struct{ query, wantStep string }{
		{"statsPeriod=90d&interval=1m", "3h0m0s"},
		{"statsPeriod=90d&interval=7m", "2h13m0s"},
		{"start=2026-11-01T00:00:00Z&end=2026-11-01T00:10:00Z&interval=1m", "1m0s"},
		{"statsPeriod=24h&interval=1h", "1h0m0s"},
		{"statsPeriod=14d&interval=1d", "24h0m0s"},
	} {
		store := &fakeSessions{}
		got := getSessions(t, store, "/api/0/organizations/acme/sessions/?field=sum(session)&"+tc.query)
		if len(store.asked) != 2 || store.asked[1].Step.String() != tc.wantStep {
			t.Fatalf("%s: asked %+v; want a step of %s", tc.query, store.asked, tc.wantStep)
		}
		step := store.asked[1].Step
		start, _ := time.Parse(time.RFC3339, got.Start)
		end, _ := time.Parse(time.RFC3339, got.End)
		if n := len(got.Intervals); n > maxSessionBuckets || n != int(end.Sub(start)/step) || start.Unix()%int64(step/time.Second) != 0 {
			t.Errorf("%s: %d intervals from %s to %s in steps of %s", tc.query, n, got.Start, got.End, step)
		}
		if len(got.Groups) != 1 || fmt.Sprint(got.Groups[0].Totals) != "map[sum(session):0]" {
			t.Errorf("%s: groups %+v; want one group of zero sessions", tc.query, got.Groups)
		}
	}
}

// Filters reach the store: project=-1 is every project, release lists and
// environment= intersect with the query's.
func TestSessionsFilters(t *testing.T) {
	store := &fakeSessions{}
	getSessions(t, store, "/api/0/organizations/acme/sessions/?field=sum(session)&project=-1&environment=production&environment=staging&query="+
		url.QueryEscape("release:[shop@1,shop@2] environment:production"))
	q := store.asked[0]
	if fmt.Sprint(q.ProjectIDs, q.Releases, q.Environments) != "[1 2] [shop@1 shop@2] [production]" {
		t.Errorf("asked for projects %v, releases %v, environments %v", q.ProjectIDs, q.Releases, q.Environments)
	}
	store = &fakeSessions{}
	got := getSessions(t, store, "/api/0/organizations/acme/sessions/?field=sum(session)&query="+url.QueryEscape("release:a release:b"))
	if len(store.asked) != 0 || len(got.Groups) != 1 || fmt.Sprint(got.Groups[0].Totals) != "map[sum(session):0]" {
		t.Errorf("contradicting releases asked the store %+v and answered %+v", store.asked, got.Groups)
	}
}

// Groups carry Sentry's shape; session.status splits each into healthy,
// errored (without the crashed and abnormal), crashed and abnormal.
func TestSessionsGroups(t *testing.T) {
	counts := analytics.HealthCounts{Sessions: 20, Errored: 8, Crashed: 4, Abnormal: 1, Users: 5, ErroredUsers: 4, CrashedUsers: 2, AbnormalUsers: 1}
	now := time.Now().UTC()
	hour := now.Truncate(time.Hour)
	store := &fakeSessions{
		totals: []analytics.HealthRow{{Release: "app@2", HealthCounts: analytics.HealthCounts{Sessions: 1, Users: 1}}, {Release: "app@1", HealthCounts: counts}},
		series: []analytics.HealthRow{{Release: "app@1", Bucket: hour, HealthCounts: counts}, {Release: "app@2", Bucket: hour.Add(-time.Hour), HealthCounts: analytics.HealthCounts{Sessions: 1, Users: 1}}},
	}
	got := getSessions(t, store, "/api/0/organizations/acme/sessions/?field=sum(session)&field=count_unique(user)&groupBy=release&groupBy=session.status&statsPeriod=3h")
	var lines []string
	for _, g := range got.Groups {
		series := g.Series["sum(session)"]
		lines = append(lines, fmt.Sprintf("%v %v %v last=%v", g.By["release"], g.By["session.status"], g.Totals, series[len(series)-1]))
	}
	want := []string{
		"app@1 healthy map[count_unique(user):1 sum(session):12] last=12",
		"app@1 errored map[count_unique(user):1 sum(session):3] last=3",
		"app@1 crashed map[count_unique(user):2 sum(session):4] last=4",
		"app@1 abnormal map[count_unique(user):1 sum(session):1] last=1",
		"app@2 healthy map[count_unique(user):1 sum(session):1] last=0",
		"app@2 errored map[count_unique(user):0 sum(session):0] last=0",
		"app@2 crashed map[count_unique(user):0 sum(session):0] last=0",
		"app@2 abnormal map[count_unique(user):0 sum(session):0] last=0",
	}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("groups\n%q\nwant\n%q", lines, want)
	}

	got = getSessions(t, store, "/api/0/organizations/acme/sessions/?field=crash_free_rate(session)&field=crash_free_rate(user)&groupBy=release&statsPeriod=3h")
	if g := got.Groups[0]; g.By["release"] != "app@1" || fmt.Sprint(g.Totals) != "map[crash_free_rate(session):0.8 crash_free_rate(user):0.6]" ||
		g.Series["crash_free_rate(session)"][0] != nil {
		t.Errorf("crash-free group %+v; want app@1 at 0.8 and 0.6, null in buckets without sessions", g)
	}
}
