package frontend

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/frontend/issues/issuestest"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

const (
	newestEvent = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	middleEvent = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	firstEvent  = "cccccccccccccccccccccccccccccccc"
)

// detailStore is issueStore with three events of issue 1, its tags,
// counts and a comment; issue 2 has no events.
func detailStore() *issuestest.Store {
	store := issueStore()
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	row := func(id string, ago time.Duration) analytics.EventRow {
		return analytics.EventRow{ProjectID: 1, IssueID: 1, EventID: id, Timestamp: at.Add(-ago), Title: "disk full", Payload: []byte(`{}`)}
	}
	store.Events = map[int64][]analytics.EventRow{1: {row(newestEvent, 0), row(middleEvent, time.Hour), row(firstEvent, 2*time.Hour)}}
	seen := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	store.Tags = []analytics.TagCounts{{Key: "browser", TotalCount: 3, UniqueValues: 2,
		TopValues: []analytics.TagValueCount{{Value: "Firefox", Count: 2, FirstSeen: seen, LastSeen: seen.Add(time.Hour)}}}}
	store.Buckets = []analytics.Bucket{{Start: at, Count: 3}}
	store.Values = []analytics.TagValueCount{{Value: "production", Count: 3}}
	store.Notes = []metadata.Comment{{ID: 1, UserEmail: "ann@example.com", Text: "looking", CreatedAt: at}}
	store.Feedback = []metadata.Feedback{{ID: 2, IssueID: 1, Name: "Bo", Comments: "it broke again"}, {ID: 1, IssueID: 3, Name: "Cy", Comments: "slow"}}
	return store
}

// detailApp serves the issue detail routes over store.
func detailApp(store *issuestest.Store, scopes []string) *fiber.App {
	a := &API{access: fakeAccess{}, finder: issues.NewFinder(store, store, store), details: issues.NewDetails(store, store)}
	return testApp(scopes, a.registerIssueDetails)
}

// Every way a request for what surrounds an issue can fail answers its
// status with a message that says what to change, and adds no comment.
func TestIssueDetailHandlerErrors(t *testing.T) {
	chDown := analytics.ErrUnavailable
	cases := []struct {
		name         string
		method, path string
		body         string
		scopes       []string // allEventScopes when nil
		fail         map[string]error
		status       int
		detail       string
	}{
		{name: "events of an unknown issue", method: "GET", path: "/api/0/issues/99/events/", status: 404, detail: "issue not found"},
		{name: "events of an issue id that is not a number", method: "GET", path: "/api/0/issues/x/events/", status: 404, detail: "issue not found"},
		{name: "events without event:read", method: "GET", path: "/api/0/issues/1/events/", scopes: []string{"org:read"}, status: 403, detail: "lacks the event:read scope"},
		{name: "events, bad cursor", method: "GET", path: "/api/0/issues/1/events/?cursor=x", status: 400, detail: "cursor: "},
		{name: "events, PostgreSQL busy", method: "GET", path: "/api/0/issues/1/events/", fail: map[string]error{"IssueForUser": metadata.ErrBusy}, status: 503},
		{name: "events, ClickHouse down", method: "GET", path: "/api/0/issues/1/events/", fail: map[string]error{"IssueEvents": chDown}, status: 503, detail: "ClickHouse"},
		{name: "events, unexpected store error", method: "GET", path: "/api/0/issues/1/events/", fail: map[string]error{"IssueEvents": errors.New("dial 10.0.0.3")},
			status: 500, detail: "internal server error"},

		{name: "latest of an issue without events", method: "GET", path: "/api/0/issues/2/events/latest/", status: 404, detail: "event not found"},
		// A ClickHouse that does not answer is not an issue without events.
		{name: "latest, ClickHouse down", method: "GET", path: "/api/0/issues/1/events/latest/", fail: map[string]error{"IssueEvents": chDown}, status: 503, detail: "ClickHouse"},
		{name: "latest, neighbours' ClickHouse down", method: "GET", path: "/api/0/issues/1/events/latest/", fail: map[string]error{"Neighbours": chDown}, status: 503},
		{name: "oldest of an issue without events", method: "GET", path: "/api/0/issues/2/events/oldest/", status: 404, detail: "event not found"},
		{name: "oldest, ClickHouse down", method: "GET", path: "/api/0/issues/1/events/oldest/", fail: map[string]error{"OldestEvent": chDown}, status: 503},
		{name: "event id that is not one", method: "GET", path: "/api/0/issues/1/events/xyz/", status: 404, detail: "event not found"},
		{name: "unknown event", method: "GET", path: "/api/0/issues/1/events/dddddddddddddddddddddddddddddddd/", status: 404, detail: "event not found"},
		{name: "another issue's event", method: "GET", path: "/api/0/issues/2/events/" + newestEvent + "/", status: 404, detail: "event not found"},
		{name: "event of an unknown issue", method: "GET", path: "/api/0/issues/99/events/" + newestEvent + "/", status: 404, detail: "issue not found"},
		{name: "event, ClickHouse down", method: "GET", path: "/api/0/issues/1/events/" + newestEvent + "/", fail: map[string]error{"IssueEvent": chDown}, status: 503},

		{name: "tags of an unknown issue", method: "GET", path: "/api/0/issues/99/tags/", status: 404, detail: "issue not found"},
		{name: "tags, ClickHouse down", method: "GET", path: "/api/0/issues/1/tags/", fail: map[string]error{"IssueTags": chDown}, status: 503, detail: "ClickHouse"},
		{name: "stats, bad statsPeriod", method: "GET", path: "/api/0/issues/1/stats/?statsPeriod=7d", status: 400, detail: "statsPeriod: use 24h, 14d or 30d"},
		{name: "stats of an unknown issue", method: "GET", path: "/api/0/issues/99/stats/", status: 404, detail: "issue not found"},
		{name: "stats, ClickHouse down", method: "GET", path: "/api/0/issues/1/stats/", fail: map[string]error{"CountSeries": chDown}, status: 503},
		{name: "project stats, unknown project", method: "GET", path: "/api/0/projects/acme/nope/stats/", status: 404, detail: "project not found"},
		{name: "project stats, unknown organization", method: "GET", path: "/api/0/projects/nope/web/stats/", status: 404, detail: "organization not found"},
		{name: "project stats, bad statsPeriod", method: "GET", path: "/api/0/projects/acme/web/stats/?statsPeriod=1y", status: 400, detail: "statsPeriod: "},
		{name: "environments without event:read", method: "GET", path: "/api/0/projects/acme/web/environments/", scopes: []string{"org:read"}, status: 403, detail: "event:read"},
		{name: "environments, ClickHouse down", method: "GET", path: "/api/0/projects/acme/web/environments/", fail: map[string]error{"ProjectValues": chDown}, status: 503},

		{name: "feedback about an unknown issue", method: "GET", path: "/api/0/issues/99/user-reports/", status: 404, detail: "issue not found"},
		{name: "feedback about an issue, bad limit", method: "GET", path: "/api/0/issues/1/user-reports/?limit=x", status: 400, detail: "limit: "},
		{name: "feedback about an issue, PostgreSQL busy", method: "GET", path: "/api/0/issues/1/user-reports/", fail: map[string]error{"IssueFeedback": metadata.ErrBusy}, status: 503},
		{name: "project feedback without event:read", method: "GET", path: "/api/0/projects/acme/web/user-feedback/", scopes: []string{"org:read"}, status: 403, detail: "event:read"},
		{name: "project feedback, unknown project", method: "GET", path: "/api/0/projects/acme/nope/user-feedback/", status: 404, detail: "project not found"},
		{name: "project feedback, PostgreSQL busy", method: "GET", path: "/api/0/projects/acme/web/user-feedback/", fail: map[string]error{"ProjectFeedback": metadata.ErrBusy}, status: 503},
		{name: "comments of an unknown issue", method: "GET", path: "/api/0/issues/99/comments/", status: 404, detail: "issue not found"},
		{name: "comments, PostgreSQL busy", method: "GET", path: "/api/0/issues/1/comments/", fail: map[string]error{"Comments": metadata.ErrBusy}, status: 503},
		{name: "comment on an unknown issue", method: "POST", path: "/api/0/issues/99/comments/", body: `{"text":"hi"}`, status: 404, detail: "issue not found"},
		{name: "comment without event:write", method: "POST", path: "/api/0/issues/1/comments/", body: `{"text":"hi"}`, scopes: []string{"event:read"},
			status: 403, detail: "lacks the event:write scope"},
		{name: "comment, not JSON", method: "POST", path: "/api/0/issues/1/comments/", body: `{"text":`, status: 400, detail: "send a JSON body with text"},
		{name: "comment without text", method: "POST", path: "/api/0/issues/1/comments/", body: `{"text":"  "}`, status: 400, detail: "a comment needs 1 to 10000 characters"},
		{name: "comment too long", method: "POST", path: "/api/0/issues/1/comments/", body: `{"text":"` + strings.Repeat("x", 10001) + `"}`,
			status: 400, detail: "a comment needs 1 to 10000 characters"},
		{name: "comment, PostgreSQL busy", method: "POST", path: "/api/0/issues/1/comments/", body: `{"text":"hi"}`, fail: map[string]error{"AddComment": metadata.ErrBusy}, status: 503},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := detailStore()
			store.Fail = tc.fail
			scopes := tc.scopes
			if scopes == nil {
				scopes = allEventScopes
			}
			got := call(t, detailApp(store, scopes), tc.method, tc.path, tc.body)
			checkRefusal(t, tc.method, tc.path, got, tc.status, tc.detail)
			if len(store.Added) != 0 {
				t.Errorf("a refused request added comments %+v", store.Added)
			}
		})
	}
}

func TestIssueDetailHandlers(t *testing.T) {
	store := detailStore()
	app := detailApp(store, allEventScopes)
	got := call(t, app, "GET", "/api/0/issues/1/events/?limit=2", "")
	var summaries []struct{ EventID string }
	if err := json.Unmarshal([]byte(got.body), &summaries); err != nil || len(summaries) != 2 || summaries[0].EventID != newestEvent ||
		!strings.Contains(got.header["Link"], `rel="next"; results="true"`) {
		t.Errorf("events: %d %s, Link %q", got.status, got.body, got.header["Link"])
	}
	type full struct {
		EventID                      string
		PreviousEventID, NextEventID *string
	}
	for path, want := range map[string][3]string{
		"latest/":         {newestEvent, middleEvent, ""},
		"oldest/":         {firstEvent, "", middleEvent},
		middleEvent + "/": {middleEvent, firstEvent, newestEvent},
		strings.ToUpper(dashedID(middleEvent)) + "/": {middleEvent, firstEvent, newestEvent},
	} {
		got := call(t, app, "GET", "/api/0/issues/1/events/"+path, "")
		var ev full
		if err := json.Unmarshal([]byte(got.body), &ev); err != nil || got.status != 200 || ev.EventID != want[0] ||
			deref(ev.PreviousEventID) != want[1] || deref(ev.NextEventID) != want[2] {
			t.Errorf("event %s: %d %s, want %v", path, got.status, got.body, want)
		}
	}
	if got := call(t, app, "GET", "/api/0/issues/1/tags/", ""); got.status != 200 ||
		got.body != `[{"key":"browser","name":"browser","totalValues":3,"uniqueValues":2,"topValues":[{"key":"browser","value":"Firefox","name":"Firefox","count":2,`+
			`"firstSeen":"2026-11-30T12:00:00.000000Z","lastSeen":"2026-11-30T13:00:00.000000Z"}]}]` {
		t.Errorf("tags: %d %s", got.status, got.body)
	}
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC).Unix()
	if got := call(t, app, "GET", "/api/0/issues/1/stats/?statsPeriod=14d", ""); got.status != 200 ||
		got.body != `{"stats":[[`+itoa(at)+`,3]],"statsPeriod":"14d"}` {
		t.Errorf("stats: %d %s", got.status, got.body)
	}
	if got := call(t, app, "GET", "/api/0/projects/acme/web/environments/", ""); got.status != 200 ||
		got.body != `[{"name":"production","eventCount":3}]` {
		t.Errorf("environments: %d %s", got.status, got.body)
	}
	got = call(t, app, "POST", "/api/0/issues/1/comments/", `{"text":"  fixed in 2.1 "}`)
	if got.status != 201 || len(store.Added) != 1 || store.Added[0].Text != "fixed in 2.1" {
		t.Errorf("comment: %d %s, added %+v", got.status, got.body, store.Added)
	}
	if got := call(t, app, "GET", "/api/0/issues/1/comments/", ""); got.status != 200 || !strings.Contains(got.body, `"text":"looking"`) {
		t.Errorf("comments: %d %s", got.status, got.body)
	}
	if got := call(t, app, "GET", "/api/0/issues/1/user-reports/", ""); got.status != 200 ||
		!strings.Contains(got.body, "it broke again") || strings.Contains(got.body, "slow") {
		t.Errorf("issue feedback: %d %s, want issue 1's only", got.status, got.body)
	}
	got = call(t, app, "GET", "/api/0/projects/acme/web/user-feedback/?limit=1", "")
	if got.status != 200 || !strings.Contains(got.body, "it broke again") || !strings.Contains(got.header["Link"], `rel="next"; results="true"`) {
		t.Errorf("project feedback: %d %s, Link %q", got.status, got.body, got.header["Link"])
	}
}

// dashedID writes an event id with dashes, as some SDKs send it.
func dashedID(id string) string {
	return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
