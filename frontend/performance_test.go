package frontend

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/performance"
	"github.com/faultline/faultline/frontend/performance/performancetest"
	"github.com/gofiber/fiber/v2"
)

const txID = "0123456789abcdef0123456789abcdef"

func perfStore() *performancetest.Store {
	start := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	return &performancetest.Store{
		Summaries: []analytics.TransactionSummary{{Name: "GET /a", Count: 2, AvgMS: 50}, {Name: "GET /b", Count: 1}},
		Counts:    map[string][]uint64{"GET /a": {2}},
		Ops:       []analytics.SpanOp{{Op: "db", SelfTotalMS: 25}},
		Waterfalls: map[string]analytics.Waterfall{txID: {
			Transaction: analytics.TransactionRow{EventID: txID, Name: "GET /a", Start: start, Duration: 80 * time.Millisecond},
			Spans:       []analytics.SpanRow{{SpanID: "s1", Op: "db", Start: start.Add(10 * time.Millisecond), Duration: 20 * time.Millisecond}},
		}},
	}
}

func perfApp(store *performancetest.Store, scopes []string) *fiber.App {
	a := &API{access: fakeAccess{}, perf: performance.New(store)}
	return testApp(scopes, a.registerPerformance)
}

func TestPerformanceHandlerErrors(t *testing.T) {
	const base = "/api/0/projects/acme/web/transactions/"
	down := analytics.ErrUnavailable
	cases := []struct {
		name   string
		path   string
		scopes []string
		fail   map[string]error
		status int
		detail string
	}{
		{name: "unknown sort", path: base + "?sort=speed", status: 400, detail: "sort: use count, tpm"},
		{name: "bad statsPeriod", path: base + "?statsPeriod=0h", status: 400, detail: "statsPeriod: "},
		{name: "bad cursor", path: base + "?cursor=x", status: 400, detail: "cursor: "},
		{name: "unknown project", path: "/api/0/projects/acme/nope/transactions/", status: 404, detail: "project not found"},
		{name: "unknown organization", path: "/api/0/projects/nope/web/transactions/", status: 404, detail: "organization not found"},
		{name: "token without event:read", path: base, scopes: []string{"org:read"}, status: 403, detail: "event:read"},
		{name: "list, ClickHouse down", path: base, fail: map[string]error{"SummarizeTransactions": down}, status: 503, detail: "ClickHouse"},
		{name: "sparklines, ClickHouse down", path: base, fail: map[string]error{"TransactionCounts": down}, status: 503, detail: "ClickHouse"},
		{name: "summary without a name", path: base + "summary/", status: 400, detail: "transaction: name the transaction"},
		{name: "summary of an unknown name", path: base + "summary/?transaction=GET%20/c", status: 404, detail: "no transaction named GET /c"},
		{name: "summary, ClickHouse down", path: base + "summary/?transaction=GET%20/a", fail: map[string]error{"SpanOps": down}, status: 503},
		{name: "waterfall of a malformed id", path: base + "not-an-id/spans/", status: 404, detail: "transaction not found"},
		{name: "waterfall of an unknown id", path: base + strings.Repeat("f", 32) + "/spans/", status: 404, detail: "transaction not found"},
		{name: "waterfall, ClickHouse down", path: base + txID + "/spans/", fail: map[string]error{"TransactionWaterfall": down}, status: 503},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := perfStore()
			store.Fail = tc.fail
			scopes := tc.scopes
			if scopes == nil {
				scopes = allEventScopes
			}
			got := call(t, perfApp(store, scopes), "GET", tc.path, "")
			checkRefusal(t, "GET", tc.path, got, tc.status, tc.detail)
		})
	}
}

func TestPerformanceHandlers(t *testing.T) {
	app := perfApp(perfStore(), allEventScopes)
	got := call(t, app, "GET", "/api/0/projects/acme/web/transactions/?limit=1", "")
	var list []transactionSummaryJSON
	if err := json.Unmarshal([]byte(got.body), &list); err != nil || len(list) != 1 || list[0].Transaction != "GET /a" || len(list[0].Sparkline) != 1 {
		t.Errorf("list: %d %s", got.status, got.body)
	}
	if !strings.Contains(got.header["Link"], `rel="next"; results="true"`) {
		t.Errorf("Link %q: want a next page", got.header["Link"])
	}
	got = call(t, app, "GET", "/api/0/projects/acme/web/transactions/summary/?transaction=GET%20/a", "")
	var summary struct {
		Summary transactionSummaryJSON
		SpanOps []spanOpJSON
	}
	if err := json.Unmarshal([]byte(got.body), &summary); err != nil || summary.Summary.Count != 2 || len(summary.SpanOps) != 1 || summary.SpanOps[0].SelfShare != 0.25 {
		t.Errorf("summary: %d %s", got.status, got.body)
	}
	got = call(t, app, "GET", "/api/0/projects/acme/web/transactions/"+strings.ToUpper(txID)+"/spans/", "")
	var w struct{ Spans []spanJSON }
	if err := json.Unmarshal([]byte(got.body), &w); err != nil || len(w.Spans) != 1 || w.Spans[0].OffsetMS != 10 || w.Spans[0].DurationMS != 20 {
		t.Errorf("waterfall: %d %s", got.status, got.body)
	}
}
