package frontend

import (
	"net/url"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// Every Discover request the store cannot answer is refused with a 400 that
// names the field, function, sort or parameter at fault, before ClickHouse
// is asked anything (this API has none).
func TestDiscoverRefusals(t *testing.T) {
	app := discoverApp(&API{access: fakeAccess{}})
	const base = "/api/0/organizations/acme/events/?"
	cases := []struct {
		name, query string
		scopes      []string
		status      int
		detail      string
	}{
		{"no field", "", nil, 400, "field: name at least one field"},
		{"unknown function", "field=p96(transaction.duration)", nil, 400, "field: p96(transaction.duration): unknown function p96()"},
		{"misspelt column", "field=transaction.duraton", nil, 400, "field: transaction.duraton is not a column of transactions"},
		{"an errors column without event.type", "field=title&field=count()", nil, 400, "field: title is not a column of transactions but of errors: add event.type:error to the query"},
		{"misspelt column in the query", "field=count()&query=transaction.duraton:>5", nil, 400, "query: transaction.duraton is not a column of transactions"},
		{"a property Faultline does not keep", "field=count()&query=user.email:a@example.com", nil, 400, "query: user.email is not a column of transactions"},
		{"misspelt column in a function", "field=count_unique(usr)", nil, 400, "field: count_unique(usr): usr is not a column of transactions"},
		{"average of text", "field=avg(transaction)", nil, 400, "field: avg(transaction): transaction is not a number"},
		{"percentile past 1", "field=percentile(transaction.duration, 2)", nil, 400, "the percentile is a number from 0 to 1"},
		{"too many arguments", "field=count(id)", nil, 400, "count(id): count() takes 0 argument(s)"},
		{"apdex of a word", "field=apdex(fast)", nil, 400, "apdex(fast): the threshold is a number of milliseconds"},
		{"count_if with an unknown operator", "field=count_if(transaction.duration, about, 3)", nil, 400, `"about" is not an operator`},
		{"count_if on text with greater", "field=count_if(environment, greater, prod)", nil, 400, "environment holds text"},
		{"failure rate of errors", "field=failure_rate()&query=event.type:error", nil, 400, "failure_rate() needs the transactions dataset"},
		{"measurements of errors", "field=avg(measurements.lcp)&dataset=errors", nil, 400, "only transactions have measurements"},
		{"a field twice", "field=count()&field=count()", nil, 400, "field: count() is asked for twice"},
		{"sort on an unselected function", "field=transaction&sort=-count()", nil, 400, "sort: count() is not among the fields"},
		{"sort on an unselected column", "field=count()&sort=transaction", nil, 400, "sort: transaction is not among the fields"},
		{"unclosed parenthesis", "field=count()&query=(environment:prod", nil, 400, "query: a parenthesis is not closed"},
		{"dangling OR", "field=count()&query=environment:prod OR", nil, 400, "query: OR needs a condition on each side"},
		{"unknown event type", "field=count()&query=event.type:span", nil, 400, "query: event.type:span: use event.type:error or event.type:transaction"},
		{"both event types", "field=count()&query=event.type:error event.type:transaction", nil, 400, "both errors and transactions"},
		{"event type against dataset", "field=count()&dataset=errors&query=event.type:transaction", nil, 400, "event.type asks for transactions, dataset for errors"},
		{"unknown dataset", "field=count()&dataset=spans", nil, 400, `dataset: "spans"`},
		{"a duration that is not one", "field=count()&query=transaction.duration:>fast", nil, 400, `query: transaction.duration:>fast: "fast" is not a duration`},
		{"a time that is not one", "field=count()&query=timestamp:>yesterday", nil, 400, `"yesterday" is not a date`},
		{"a function condition inside OR", "field=count()&query=count():>1 OR environment:prod", nil, 400, "count(): a condition on a function must be ANDed"},
		{"a function condition without functions", "field=transaction&query=count():>1", nil, 400, "a condition on a function needs a function among the fields"},
		{"an issue property inside OR", "field=count()&query=is:unresolved OR environment:prod", nil, 400, "is: is a property of issues"},
		{"bad start", "field=count()&start=monday", nil, 400, "start: use an RFC 3339 time"},
		{"start after end", "field=count()&start=2026-11-02T00:00:00Z&end=2026-11-01T00:00:00Z", nil, 400, "start: must be before end"},
		{"end without start", "field=count()&end=2026-11-01T00:00:00Z", nil, 400, "start: give start with end"},
		{"bad statsPeriod", "field=count()&statsPeriod=0h", nil, 400, "statsPeriod: "},
		{"bad cursor", "field=count()&cursor=x", nil, 400, "cursor: "},
		{"bad per_page", "field=count()&per_page=many", nil, 400, "per_page: "},
		{"CSV of an unknown function", "field=p96()&format=csv", nil, 400, "p96(): unknown function p96()"},
		{"without event:read", "field=count()", []string{"org:read"}, 403, "event:read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			scopes := tc.scopes
			if scopes == nil {
				scopes = allEventScopes
			}
			a := &API{access: fakeAccess{}}
			app := app
			if tc.scopes != nil {
				app = testApp(scopes, func(r fiber.Router) { r.Get("/organizations/:org/events/", a.discover) })
			}
			path := base + encodeParams(tc.query)
			if tc.query == "" {
				path = base
			}
			checkRefusal(t, "GET", path, call(t, app, "GET", path, ""), tc.status, tc.detail)
		})
	}
	if got := call(t, app, "GET", "/api/0/organizations/nope/events/?field="+url.QueryEscape("count()"), ""); got.status != 404 {
		t.Errorf("unknown organization: %d", got.status)
	}
}
