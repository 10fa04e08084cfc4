package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// oneProjectAccess is acme with one project, whose id is unique to the
// test run so that rows other runs write to the shared ClickHouse never
// show.
type oneProjectAccess struct{ p metadata.Project }

func (a oneProjectAccess) MembershipBySlug(_ context.Context, _ int64, slug string) (metadata.Membership, error) {
	if slug != "acme" {
		return metadata.Membership{}, metadata.ErrNotFound
	}
	return metadata.Membership{OrgID: 1, OrgSlug: slug, Role: "owner"}, nil
}

func (a oneProjectAccess) ProjectInOrg(context.Context, int64, string) (metadata.Project, error) {
	return a.p, nil
}

func (a oneProjectAccess) ProjectVisibility(context.Context, metadata.Membership) (metadata.Visibility, error) {
	return metadata.Visibility{All: true}, nil
}

func (a oneProjectAccess) ListProjects(context.Context, int64) ([]metadata.Project, error) {
	return []metadata.Project{a.p}, nil
}

func discoverApp(a *API) *fiber.App {
	return testApp(allEventScopes, func(r fiber.Router) { r.Get("/organizations/:org/events/", a.discover) })
}

// seedDiscover stores, 30 minutes ago:
//   - GET /a: 10 transactions of 100, 200 … 1000 ms; the last failed
//     (internal_error, HTTP 500); 1–5 in prod, 6–10 in staging; users u0–u2
//     (i%3); odd ones tagged browser:Chrome, even ones Firefox; an LCP of
//     i×1000 ms on the first four.
//   - GET /b: 5 transactions of 50 ms in the same second, ok, prod, user u9, untagged; one
//     answered 404.
//   - errors: 4 "TypeError: x is undefined" (issue 101, prod, users u1, u1,
//     u2 and none, browser:Chrome) and 2 "Timeout" warnings (issue 102,
//     staging).
func seedDiscover(t *testing.T, s *analytics.Store, project uint64, at time.Time) {
	t.Helper()
	var rows analytics.Rows
	for i := 1; i <= 10; i++ {
		tx := analytics.TransactionRow{ProjectID: project, EventID: fmt.Sprintf("%032x", i), Name: "GET /a", Op: "http.server",
			Method: "GET", Status: "ok", HTTPStatus: 200, Start: at.Add(time.Duration(i) * time.Second),
			Duration: time.Duration(i) * 100 * time.Millisecond, Release: "r1", Environment: "prod", UserKey: "id:u" + strconv.Itoa(i%3),
			TagKeys: []string{"browser"}, TagValues: []string{"Firefox"}}
		if i%2 == 1 {
			tx.TagValues = []string{"Chrome"}
		}
		if i > 5 {
			tx.Environment = "staging"
		}
		if i == 10 {
			tx.Status, tx.HTTPStatus = "internal_error", 500
		}
		if i <= 4 {
			tx.MeasureNames, tx.MeasureVals = []string{"lcp"}, []float64{float64(i * 1000)}
		}
		rows.Transactions = append(rows.Transactions, tx)
	}
	for i := 1; i <= 5; i++ {
		tx := analytics.TransactionRow{ProjectID: project, EventID: fmt.Sprintf("%032x", 100+i), Name: "GET /b", Op: "db",
			Status: "ok", HTTPStatus: 200, Start: at, Duration: 50 * time.Millisecond,
			Release: "r2", Environment: "prod", UserKey: "id:u9"}
		if i == 1 {
			tx.HTTPStatus = 404
		}
		rows.Transactions = append(rows.Transactions, tx)
	}
	for i, user := range []string{"id:u1", "id:u1", "id:u2", ""} {
		rows.Events = append(rows.Events, analytics.EventRow{ProjectID: project, IssueID: 101, EventID: fmt.Sprintf("%032x", 200+i),
			Timestamp: at.Add(time.Duration(i) * time.Second), Received: at, Level: "error", Environment: "prod",
			Transaction: "GET /a", Title: "TypeError: x is undefined", UserKey: user, TagKeys: []string{"browser"}, TagValues: []string{"Chrome"},
			Payload: []byte(`{}`)})
	}
	for i := range 2 {
		rows.Events = append(rows.Events, analytics.EventRow{ProjectID: project, IssueID: 102, EventID: fmt.Sprintf("%032x", 300+i),
			Timestamp: at.Add(time.Duration(i) * time.Second), Received: at, Level: "warning", Environment: "staging",
			Title: "Timeout", Payload: []byte(`{}`)})
	}
	if err := s.Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
}

// near is a number within tolerance of want: what a t-digest percentile is
// checked against.
type near struct{ want, tolerance float64 }

type discoverAnswer struct {
	Data []map[string]any
	Meta struct {
		Fields  map[string]string
		Units   map[string]*string
		Dataset string
	}
}

// TestDiscoverQueries runs Discover queries over known transactions and
// errors in the real ClickHouse and checks their rows, the JSON type of
// every value and the types and units meta gives.
func TestDiscoverQueries(t *testing.T) {
	s := analyticstest.Open(t)
	project := uint64(time.Now().UnixNano() & math.MaxInt64)
	now := time.Now()
	seedDiscover(t, s, project, now.Add(-30*time.Minute))
	app := discoverApp(&API{access: oneProjectAccess{metadata.Project{ID: int64(project), OrgID: 1, Slug: "web"}}, events: s})
	hourAgo, twoHoursAgo := now.Add(-time.Hour).UTC().Format(time.RFC3339), now.Add(-2*time.Hour).UTC().Format(time.RFC3339)

	type row = map[string]any
	cases := []struct {
		name    string
		params  string   // after statsPeriod=1h unless it names a time
		want    []row    // exactly, in order; near{} for percentiles
		meta    []string // "field|type|unit" for fields whose meta is checked
		dataset string   // transactions unless set
	}{
		{"count by transaction", "field=transaction&field=count()&sort=transaction",
			[]row{{"transaction": "GET /a", "count()": 10.0}, {"transaction": "GET /b", "count()": 5.0}},
			[]string{"transaction|string", "count()|integer"}, ""},
		{"p95 with its column", "field=p95(transaction.duration)&query=transaction:\"GET /b\"",
			[]row{{"p95(transaction.duration)": 50.0}}, []string{"p95(transaction.duration)|duration|millisecond"}, ""},
		{"p95 without a column reads the duration", "field=p95()&query=transaction:\"GET /b\"",
			[]row{{"p95()": 50.0}}, []string{"p95()|duration|millisecond"}, ""},
		{"p50, p75, p99", "field=p50(transaction.duration)&field=p75(transaction.duration)&field=p99(transaction.duration)&query=transaction:\"GET /a\"",
			[]row{{"p50(transaction.duration)": near{550, 60}, "p75(transaction.duration)": near{775, 80}, "p99(transaction.duration)": near{1000, 60}}},
			[]string{"p50(transaction.duration)|duration|millisecond", "p99(transaction.duration)|duration|millisecond"}, ""},
		{"percentile with a level", "field=percentile(transaction.duration, 0.99)&query=transaction:\"GET /b\"",
			[]row{{"percentile(transaction.duration, 0.99)": 50.0}}, []string{"percentile(transaction.duration, 0.99)|duration|millisecond"}, ""},
		{"avg, min, max, sum", "field=avg(transaction.duration)&field=min(transaction.duration)&field=max(transaction.duration)&field=sum(transaction.duration)&query=transaction:\"GET /a\"",
			[]row{{"avg(transaction.duration)": 550.0, "min(transaction.duration)": 100.0, "max(transaction.duration)": 1000.0, "sum(transaction.duration)": 5500.0}},
			[]string{"avg(transaction.duration)|duration|millisecond", "sum(transaction.duration)|duration|millisecond"}, ""},
		{"avg of a measurement counts only transactions that have it", "field=avg(measurements.lcp)&field=count()&query=transaction:\"GET /a\"",
			[]row{{"avg(measurements.lcp)": 2500.0, "count()": 10.0}}, []string{"avg(measurements.lcp)|duration|millisecond"}, ""},
		{"count_unique(user)", "field=transaction&field=count_unique(user)&sort=transaction",
			[]row{{"transaction": "GET /a", "count_unique(user)": 3.0}, {"transaction": "GET /b", "count_unique(user)": 1.0}},
			[]string{"count_unique(user)|integer"}, ""},
		{"count_unique of a tag", "field=count_unique(tags[browser])", []row{{"count_unique(tags[browser])": 2.0}}, []string{"count_unique(tags[browser])|integer"}, ""},
		{"failure_count and failure_rate", "field=transaction&field=failure_count()&field=failure_rate()&sort=transaction",
			[]row{{"transaction": "GET /a", "failure_count()": 1.0, "failure_rate()": 0.1}, {"transaction": "GET /b", "failure_count()": 0.0, "failure_rate()": 0.0}},
			[]string{"failure_count()|integer", "failure_rate()|percentage"}, ""},
		{"epm and tpm over the hour", "field=epm()&field=tpm()", []row{{"epm()": near{0.25, 1e-6}, "tpm()": near{0.25, 1e-6}}}, []string{"epm()|rate|1/minute", "tpm()|rate|1/minute"}, ""},
		{"apdex with a threshold", "field=apdex(300)&query=transaction:\"GET /a\"", []row{{"apdex(300)": 0.65}}, []string{"apdex(300)|number"}, ""},
		{"apdex at the project's threshold", "field=apdex()&query=transaction:\"GET /a\"", []row{{"apdex()": 0.65}}, []string{"apdex()|number"}, ""},
		{"count_miserable", "field=count_miserable(user, 200)", []row{{"count_miserable(user, 200)": 2.0}}, []string{"count_miserable(user, 200)|integer"}, ""},
		{"count_if on a duration", "field=count_if(transaction.duration, greater, 500)&field=count_if(transaction.duration,lessOrEquals,0.1s)",
			[]row{{"count_if(transaction.duration, greater, 500)": 5.0, "count_if(transaction.duration,lessOrEquals,0.1s)": 6.0}},
			[]string{"count_if(transaction.duration, greater, 500)|integer"}, ""},
		{"count_if on text", "field=count_if(environment, equals, prod)&field=count_if(environment, notEquals, prod)",
			[]row{{"count_if(environment, equals, prod)": 10.0, "count_if(environment, notEquals, prod)": 5.0}}, nil, ""},
		{"event.type:error reads errors", "field=title&field=count()&query=event.type:error&sort=-count()",
			[]row{{"title": "TypeError: x is undefined", "count()": 4.0}, {"title": "Timeout", "count()": 2.0}}, []string{"title|string", "count()|integer"}, "errors"},
		{"event.type:transaction reads transactions", "field=count()&query=event.type:transaction", []row{{"count()": 15.0}}, nil, "transactions"},
		{"!event.type:transaction reads errors", "field=count()&query=!event.type:transaction", []row{{"count()": 6.0}}, nil, "errors"},
		{"errors by issue, users counted when known", "field=issue.id&field=count()&field=count_unique(user)&query=event.type:error&sort=issue.id",
			[]row{{"issue.id": 101.0, "count()": 4.0, "count_unique(user)": 2.0}, {"issue.id": 102.0, "count()": 2.0, "count_unique(user)": 0.0}},
			[]string{"issue.id|integer"}, "errors"},
		{"errors, free text and a level", "field=count()&query=event.type:error level:error TypeError", []row{{"count()": 4.0}}, nil, "errors"},
		{"OR", "field=count()&query=environment:prod OR environment:staging", []row{{"count()": 15.0}}, nil, ""},
		{"parentheses and AND", "field=count()&query=(environment:staging OR transaction:\"GET /b\") AND transaction.status:ok", []row{{"count()": 9.0}}, nil, ""},
		{"OR binds looser than AND", "field=count()&query=transaction:\"GET /b\" OR environment:staging transaction.status:ok", []row{{"count()": 9.0}}, nil, ""},
		{"duration above", "field=count()&query=transaction.duration:>500", []row{{"count()": 5.0}}, nil, ""},
		{"duration with a unit", "field=count()&query=transaction.duration:>0.5s", []row{{"count()": 5.0}}, nil, ""},
		{"duration at most", "field=count()&query=transaction.duration:<=100", []row{{"count()": 6.0}}, nil, ""},
		{"a tag", "field=count()&query=browser:Chrome", []row{{"count()": 5.0}}, nil, ""},
		{"has and !has", "field=count()&field=transaction&query=!has:browser", []row{{"transaction": "GET /b", "count()": 5.0}}, nil, ""},
		{"a list", "field=count()&query=transaction:[\"GET /a\",\"GET /b\"] !release:r2", []row{{"count()": 10.0}}, nil, ""},
		{"a wildcard", "field=count()&query=transaction:GET*", []row{{"count()": 15.0}}, nil, ""},
		{"a measurement", "field=count()&query=measurements.lcp:>=2000", []row{{"count()": 3.0}}, nil, ""},
		{"status codes compare as numbers", "field=count()&query=http.status_code:>=400", []row{{"count()": 2.0}}, nil, ""},
		{"a user by id", "field=count()&query=user:u9", []row{{"count()": 5.0}}, nil, ""},
		{"a condition on a function", "field=transaction&field=p95(transaction.duration)&query=p95(transaction.duration):>100",
			[]row{{"transaction": "GET /a", "p95(transaction.duration)": near{1000, 60}}}, nil, ""},
		{"a condition on a rate", "field=transaction&field=failure_rate()&query=failure_rate():>5%", []row{{"transaction": "GET /a", "failure_rate()": 0.1}}, nil, ""},
		{"environments repeated", "field=count()&environment=prod&environment=staging", []row{{"count()": 15.0}}, nil, ""},
		{"one environment", "field=count()&environment=staging", []row{{"count()": 5.0}}, nil, ""},
		{"start and end before the events", "field=count()&start=" + twoHoursAgo + "&end=" + hourAgo, []row{{"count()": 0.0}}, nil, ""},
		{"start alone", "field=count()&start=" + hourAgo, []row{{"count()": 15.0}}, nil, ""},
		{"the average of nothing is null", "field=avg(transaction.duration)&query=transaction:nothing", []row{{"avg(transaction.duration)": nil}}, nil, ""},
		{"sort by a function, descending", "field=transaction&field=avg(transaction.duration)&sort=-avg(transaction.duration)",
			[]row{{"transaction": "GET /a", "avg(transaction.duration)": 550.0}, {"transaction": "GET /b", "avg(transaction.duration)": 50.0}}, nil, ""},
		{"sort by a function, ascending", "field=transaction&field=avg(transaction.duration)&sort=avg(transaction.duration)",
			[]row{{"transaction": "GET /b", "avg(transaction.duration)": 50.0}, {"transaction": "GET /a", "avg(transaction.duration)": 550.0}}, nil, ""},
		{"one page", "field=transaction&field=count()&sort=transaction&per_page=1", []row{{"transaction": "GET /a", "count()": 10.0}}, nil, ""},
		{"per_page past 100 is cut", "field=transaction&field=count()&sort=transaction&per_page=5000",
			[]row{{"transaction": "GET /a", "count()": 10.0}, {"transaction": "GET /b", "count()": 5.0}}, nil, ""},
		{"events, typed", "field=id&field=transaction.duration&field=http.status_code&query=transaction:\"GET /a\" transaction.duration:1000",
			[]row{{"id": fmt.Sprintf("%032x", 10), "transaction.duration": 1000.0, "http.status_code": "500"}},
			[]string{"id|string", "transaction.duration|duration|millisecond", "http.status_code|string"}, ""},
		{"issue keys from the issue list are left out", "field=count()&query=is:unresolved event.type:error", []row{{"count()": 6.0}}, nil, "errors"},
		{"issue keys in a group ANDed at the top too", "field=count()&query=event.type:error (is:unresolved assigned:me)", []row{{"count()": 6.0}}, nil, "errors"},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			params := tc.params
			if !strings.Contains(params, "start=") {
				params += "&statsPeriod=1h"
			}
			path := "/api/0/organizations/acme/events/?" + encodeParams(params)
			got := call(t, app, "GET", path, "")
			if got.status != 200 {
				t.Fatalf("%s: %d %s", path, got.status, got.body)
			}
			var ans discoverAnswer
			if err := json.Unmarshal([]byte(got.body), &ans); err != nil {
				t.Fatal(err)
			}
			if !rowsMatch(ans.Data, tc.want) {
				t.Errorf("rows %v, want %v", ans.Data, tc.want)
			}
			for _, m := range tc.meta {
				parts := append(strings.Split(m, "|"), "")
				name, typ, unit := parts[0], parts[1], parts[2]
				gotUnit := ""
				if u := ans.Meta.Units[name]; u != nil {
					gotUnit = *u
				}
				if ans.Meta.Fields[name] != typ || gotUnit != unit {
					t.Errorf("meta of %s: %q %q, want %q %q", name, ans.Meta.Fields[name], gotUnit, typ, unit)
				}
			}
			if want := cmpOr(tc.dataset, "transactions"); ans.Meta.Dataset != want {
				t.Errorf("dataset %q, want %q", ans.Meta.Dataset, want)
			}
		})
	}
}

// encodeParams escapes the values of a=b&c=d as a browser would.
func encodeParams(params string) string {
	var out []string
	for _, kv := range strings.Split(params, "&") {
		k, v, _ := strings.Cut(kv, "=")
		out = append(out, k+"="+url.QueryEscape(v))
	}
	return strings.Join(out, "&")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func rowsMatch(got []map[string]any, want []map[string]any) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			return false
		}
		for k, w := range want[i] {
			g, ok := got[i][k]
			if !ok {
				return false
			}
			if n, isNear := w.(near); isNear {
				f, isNum := g.(float64)
				if !isNum || math.Abs(f-n.want) > n.tolerance {
					return false
				}
				continue
			}
			if !reflect.DeepEqual(g, w) {
				return false
			}
		}
	}
	return true
}

// events-stats takes the same functions and query as the table: explicit
// columns, event.type choosing the dataset, AND and OR.
func TestEventsStatsSpeaksDiscover(t *testing.T) {
	s := analyticstest.Open(t)
	project := uint64(time.Now().UnixNano() & math.MaxInt64)
	seedDiscover(t, s, project, time.Now().Add(-30*time.Minute))
	a := &API{access: oneProjectAccess{metadata.Project{ID: int64(project), OrgID: 1, Slug: "web"}}, events: s}
	app := testApp(allEventScopes, func(r fiber.Router) { r.Get("/organizations/:org/events-stats/", a.eventsStats) })
	for _, tc := range []struct {
		params string
		total  float64 // the series' values added up
	}{
		{"yAxis=count()&query=event.type:error", 6},
		{"yAxis=count()&query=event.type:transaction", 15},
		{"yAxis=count()&dataset=transactions&query=environment:staging OR transaction:\"GET /b\"", 10},
		{"yAxis=p95(transaction.duration)&query=transaction:\"GET /b\"", 50},
		{"yAxis=count_if(transaction.duration, greater, 500)", 5},
	} {
		path := "/api/0/organizations/acme/events-stats/?statsPeriod=1h&interval=1h&" + encodeParams(tc.params)
		got := call(t, app, "GET", path, "")
		var series struct{ Data [][2]json.RawMessage }
		if got.status != 200 || json.Unmarshal([]byte(got.body), &series) != nil {
			t.Errorf("%s: %d %s", tc.params, got.status, got.body)
			continue
		}
		total := 0.0
		for _, point := range series.Data {
			var counts []struct{ Count float64 }
			_ = json.Unmarshal(point[1], &counts)
			for _, c := range counts {
				total += c.Count
			}
		}
		if math.Abs(total-tc.total) > 1e-9 {
			t.Errorf("%s: values add up to %v, want %v", tc.params, total, tc.total)
		}
	}
	got := call(t, app, "GET", "/api/0/organizations/acme/events-stats/?yAxis=p96()", "")
	checkRefusal(t, "GET", "events-stats p96()", got, 400, "yAxis: p96(): unknown function p96()")
}
