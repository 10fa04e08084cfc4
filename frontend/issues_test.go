package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/frontend/issues/issuestest"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// fakeAccess is an accessStore over two organizations: acme, where the
// caller is an owner, and small, where they are a member.
type fakeAccess struct{ fail error }

var testProjects = map[int64][]metadata.Project{
	1: {{ID: 1, OrgID: 1, Slug: "web", Platform: "javascript"}, {ID: 2, OrgID: 1, Slug: "api", Platform: "go"}},
	2: {{ID: 5, OrgID: 2, Slug: "shop"}},
}

func (f fakeAccess) MembershipBySlug(_ context.Context, _ int64, slug string) (metadata.Membership, error) {
	switch {
	case f.fail != nil:
		return metadata.Membership{}, f.fail
	case slug == "acme":
		return metadata.Membership{OrgID: 1, OrgSlug: slug, Role: "owner"}, nil
	case slug == "small":
		return metadata.Membership{OrgID: 2, OrgSlug: slug, Role: "member"}, nil
	}
	return metadata.Membership{}, metadata.ErrNotFound
}

// ProjectVisibility: the fake organizations' membership is open.
func (f fakeAccess) ProjectVisibility(context.Context, metadata.Membership) (metadata.Visibility, error) {
	return metadata.Visibility{All: true}, nil
}

func (f fakeAccess) ProjectInOrg(_ context.Context, orgID int64, slug string) (metadata.Project, error) {
	for _, p := range testProjects[orgID] {
		if p.Slug == slug {
			return p, nil
		}
	}
	return metadata.Project{}, metadata.ErrNotFound
}

func (f fakeAccess) ListProjects(_ context.Context, orgID int64) ([]metadata.Project, error) {
	return testProjects[orgID], f.fail
}

// issueStore is the issues the handler tests see: two in acme/web, one
// in acme/api, one in small/shop.
func issueStore() *issuestest.Store {
	return &issuestest.Store{
		Issues: []metadata.Issue{
			{ID: 1, ProjectID: 1, OrgSlug: "acme", Title: "disk full", Status: "unresolved", TimesSeen: 9, LastRelease: "1.0.0"},
			{ID: 2, ProjectID: 1, OrgSlug: "acme", Title: "quota exceeded", Status: "unresolved", TimesSeen: 2},
			{ID: 3, ProjectID: 2, OrgSlug: "acme", Title: "timeout", Status: "unresolved"},
			{ID: 4, ProjectID: 5, OrgSlug: "small", Title: "cart lost", Status: "unresolved"},
		},
		Teams:   map[string]int64{"#ops": 3},
		Members: map[string]int64{"ann@example.com": 7},
		Users:   map[int64]uint64{1: 4},
		Tagged:  map[string][]uint64{"browser:Firefox": {2}},
	}
}

var allEventScopes = []string{"event:read", "event:write", "event:admin"}

// issueApp serves the issue routes over store and access, for a caller
// holding scopes.
func issueApp(store *issuestest.Store, access accessStore, scopes []string) *fiber.App {
	a := &API{access: access, finder: issues.NewFinder(store, store, store), editor: issues.NewEditor(store, store)}
	return testApp(scopes, a.registerIssues)
}

// testApp serves the routes register mounts, with the API's own error
// handler, to user 42 holding scopes.
func testApp(scopes []string, register func(fiber.Router)) *fiber.App {
	app := fiber.New(fiber.Config{ErrorHandler: ErrorHandler(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	register(app.Group("/api/0", func(c *fiber.Ctx) error {
		c.Locals(principalKey, metadata.Principal{UserID: 42, Scopes: scopes})
		return c.Next()
	}))
	return app
}

type answer struct {
	status int
	header map[string]string
	body   string
}

// detail is the error message of an error answer.
func (r answer) detail() string {
	var e struct{ Detail string }
	_ = json.Unmarshal([]byte(r.body), &e)
	return e.Detail
}

func call(t *testing.T, app *fiber.App, method, path, body string) answer {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	h := map[string]string{}
	for k := range resp.Header {
		h[k] = resp.Header.Get(k)
	}
	return answer{status: resp.StatusCode, header: h, body: string(b)}
}

// checkRefusal reports an answer that is not the status and message a
// refusal should have, that shows a store's internal error text (the fakes'
// errors name 10.0.0.3), or that is a 503 without Retry-After.
func checkRefusal(t *testing.T, method, path string, got answer, status int, detail string) {
	t.Helper()
	if got.status != status || !strings.Contains(got.detail(), detail) {
		t.Errorf("%s %s: %d %q, want %d with %q", method, path, got.status, got.detail(), status, detail)
	}
	if strings.Contains(got.body, "internals") || strings.Contains(got.body, "10.0.0.3") {
		t.Errorf("the answer shows internal error text: %s", got.body)
	}
	if status == 503 && got.header["Retry-After"] == "" {
		t.Error("a 503 without Retry-After")
	}
}

// Every way an issue request can fail answers its status with a message
// that says what to change, without a database.
func TestIssueHandlerErrors(t *testing.T) {
	chDown := map[string]error{"IssueUserCounts": analytics.ErrUnavailable}
	const web = "/api/0/projects/acme/web/issues/"
	cases := []struct {
		name         string
		method, path string
		body         string
		scopes       []string // allEventScopes when nil
		fail         map[string]error
		accessFail   error
		status       int
		detail       string // a part of the answer's detail
	}{
		// Listing and searching.
		{name: "query does not parse", method: "GET", path: web + "?query=is:closed", status: 400, detail: "query: is:closed: use is:unresolved"},
		{name: "bad statsPeriod", method: "GET", path: web + "?statsPeriod=soon", status: 400, detail: "statsPeriod: "},
		{name: "bad start", method: "GET", path: web + "?start=yesterday", status: 400, detail: "start: use an RFC 3339 time"},
		{name: "bad end", method: "GET", path: web + "?end=2026-13-01", status: 400, detail: "end: use an RFC 3339 time"},
		{name: "bad cursor", method: "GET", path: web + "?cursor=7", status: 400, detail: "cursor: "},
		{name: "bad limit", method: "GET", path: web + "?limit=0", status: 400, detail: "limit: "},
		{name: "unknown organization", method: "GET", path: "/api/0/projects/nope/web/issues/", status: 404, detail: "organization not found"},
		{name: "unknown project", method: "GET", path: "/api/0/projects/acme/nope/issues/", status: 404, detail: "project not found"},
		{name: "project= names none of the organization's", method: "GET", path: "/api/0/organizations/acme/issues/?project=5", status: 404, detail: "project not found"},
		{name: "token without event:read", method: "GET", path: web, scopes: []string{"org:read"}, status: 403, detail: "lacks the event:read scope"},
		{name: "PostgreSQL busy", method: "GET", path: web, fail: map[string]error{"SearchIssues": metadata.ErrBusy}, status: 503},
		{name: "membership lookup busy", method: "GET", path: "/api/0/organizations/acme/issues/", accessFail: metadata.ErrBusy, status: 503},
		{name: "ClickHouse down for user counts", method: "GET", path: web, fail: chDown, status: 503, detail: "ClickHouse"},
		{name: "ClickHouse down for a tag search", method: "GET", path: web + "?query=browser:Firefox",
			fail: map[string]error{"IssuesWithEventSets": analytics.ErrUnavailable}, status: 503, detail: "ClickHouse"},
		{name: "unexpected store error", method: "GET", path: web, fail: map[string]error{"SearchIssues": errors.New("conn reset on 10.0.0.3")},
			status: 500, detail: "internal server error"},

		// One issue.
		{name: "issue id not a number", method: "GET", path: "/api/0/issues/abc/", status: 404, detail: "issue not found"},
		{name: "issue id zero", method: "GET", path: "/api/0/issues/0/", status: 404, detail: "issue not found"},
		{name: "unknown issue", method: "GET", path: "/api/0/issues/99/", status: 404, detail: "issue not found"},
		{name: "issue without event:read", method: "GET", path: "/api/0/issues/1/", scopes: []string{"org:read"}, status: 403, detail: "event:read"},
		{name: "issue, ClickHouse down", method: "GET", path: "/api/0/issues/1/", fail: chDown, status: 503, detail: "ClickHouse"},
		{name: "issue, PostgreSQL busy", method: "GET", path: "/api/0/issues/1/", fail: map[string]error{"IssueForUser": metadata.ErrBusy}, status: 503},
		{name: "activity of an unknown issue", method: "GET", path: "/api/0/issues/99/activity/", status: 404, detail: "issue not found"},
		{name: "activity, PostgreSQL busy", method: "GET", path: "/api/0/issues/1/activity/", fail: map[string]error{"IssueActivity": metadata.ErrBusy}, status: 503},

		// Bulk changes.
		{name: "no issues named to delete", method: "DELETE", path: web, status: 400, detail: "name the issues to delete with id="},
		{name: "no issues named to delete, empty query", method: "DELETE", path: web + "?query=", status: 400, detail: "name the issues to delete with id="},
		{name: "status= not a status", method: "PUT", path: web + "?status=closed", body: `{"status":"resolved"}`, status: 400, detail: "status: use resolved, unresolved or ignored"},
		{name: "status muted, but no ignored issues", method: "PUT", path: web + "?status=muted", body: `{"status":"resolved"}`, status: 204},
		{name: "id not a number", method: "PUT", path: web + "?id=x", body: `{"status":"resolved"}`, status: 400, detail: "id= takes issue ids"},
		{name: "body not JSON", method: "PUT", path: web + "?id=1", body: `status=resolved`, status: 400, detail: "send a JSON body with status, assignedTo, isBookmarked, hasSeen, isPublic or merge"},
		{name: "body changes nothing", method: "PUT", path: web + "?id=1", body: `{}`, status: 400, detail: "send a JSON body"},
		{name: "negative ignoreCount", method: "PUT", path: web + "?id=1", body: `{"status":"ignored","statusDetails":{"ignoreCount":-1}}`,
			status: 400, detail: "must not be negative"},
		{name: "ignoreUntil in the past", method: "PUT", path: web + "?id=1", body: `{"status":"ignored","statusDetails":{"ignoreUntil":"2001-01-01T00:00:00Z"}}`,
			status: 400, detail: "ignoreUntil is in the past"},
		{name: "unknown team", method: "PUT", path: web + "?id=1", body: `{"assignedTo":"#nobody"}`, status: 400, detail: "no team #nobody"},
		{name: "not a member", method: "PUT", path: web + "?id=1", body: `{"assignedTo":"bob@example.com"}`, status: 400, detail: "bob@example.com is not a member"},
		{name: "another project's issue", method: "PUT", path: web + "?id=3", body: `{"status":"resolved"}`, status: 404, detail: "no such issues"},
		{name: "query selects nothing", method: "PUT", path: web + "?query=is:ignored", body: `{"status":"resolved"}`, status: 204},
		{name: "query selects nothing to delete", method: "DELETE", path: web + "?query=is:ignored", status: 204},
		{name: "query does not parse", method: "PUT", path: web + "?query=level:", body: `{"status":"resolved"}`, status: 400, detail: "query: level: has no value"},
		{name: "merge of one issue", method: "PUT", path: web + "?id=1", body: `{"merge":1}`, status: 400, detail: "at least two issues"},
		{name: "merge, PostgreSQL busy", method: "PUT", path: web + "?id=1&id=2", body: `{"merge":1}`, fail: map[string]error{"Merge": metadata.ErrBusy}, status: 503},
		{name: "update, PostgreSQL busy", method: "PUT", path: web + "?id=1", body: `{"status":"resolved"}`, fail: map[string]error{"UpdateIssues": metadata.ErrBusy}, status: 503},
		{name: "token without event:write", method: "PUT", path: web + "?id=1", body: `{"status":"resolved"}`, scopes: []string{"event:read"},
			status: 403, detail: "lacks the event:write scope"},
		{name: "role without event:admin", method: "DELETE", path: "/api/0/projects/small/shop/issues/?id=4", status: 403,
			detail: "your role (member) does not allow event:admin"},
		{name: "in a release, not resolving", method: "PUT", path: web + "?id=1", body: `{"status":"ignored","statusDetails":{"inRelease":"1.0.0"}}`,
			status: 400, detail: `go with "status": "resolved"`},
		{name: "both release resolutions", method: "PUT", path: web + "?id=1", body: `{"status":"resolved","statusDetails":{"inRelease":"1.0.0","inNextRelease":true}}`,
			status: 400, detail: "not both"},
		{name: "inRelease not text", method: "PUT", path: web + "?id=1", body: `{"status":"resolved","statusDetails":{"inRelease":1}}`,
			status: 400, detail: "send a JSON body"},

		// Changing one issue.
		{name: "change an unknown issue", method: "PUT", path: "/api/0/issues/99/", body: `{"status":"resolved"}`, status: 404, detail: "issue not found"},
		{name: "change without event:write", method: "PUT", path: "/api/0/issues/1/", body: `{"status":"resolved"}`, scopes: []string{"event:read"},
			status: 403, detail: "lacks the event:write scope"},
		{name: "change without event:read", method: "PUT", path: "/api/0/issues/1/", body: `{"status":"resolved"}`, scopes: []string{"event:write"},
			status: 403, detail: "lacks the event:read scope"},
		{name: "change with nothing to change", method: "PUT", path: "/api/0/issues/1/", body: `{}`, status: 400, detail: "status, statusDetails, assignedTo, isBookmarked, hasSeen or isPublic"},
		{name: "change not JSON", method: "PUT", path: "/api/0/issues/1/", body: `status=resolved`, status: 400, detail: "status, statusDetails, assignedTo, isBookmarked, hasSeen or isPublic"},
		{name: "merge one issue", method: "PUT", path: "/api/0/issues/1/", body: `{"merge":1}`, status: 400, detail: "merge issues with PUT /api/0/projects/"},
		{name: "change in the next release, unresolving", method: "PUT", path: "/api/0/issues/1/", body: `{"status":"unresolved","statusDetails":{"inNextRelease":true}}`,
			status: 400, detail: `go with "status": "resolved"`},
		{name: "change, PostgreSQL busy", method: "PUT", path: "/api/0/issues/1/", body: `{"status":"resolved"}`,
			fail: map[string]error{"UpdateIssues": metadata.ErrBusy}, status: 503},
		{name: "change, membership lookup busy", method: "PUT", path: "/api/0/issues/1/", body: `{"status":"resolved"}`, accessFail: metadata.ErrBusy, status: 503},
		{name: "delete another project's issue", method: "DELETE", path: web + "?id=3", status: 404, detail: "no such issues"},
		{name: "delete, PostgreSQL busy", method: "DELETE", path: "/api/0/organizations/acme/issues/?id=1", fail: map[string]error{"DeleteIssues": metadata.ErrBusy}, status: 503},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := issueStore()
			store.Fail = tc.fail
			scopes := tc.scopes
			if scopes == nil {
				scopes = allEventScopes
			}
			got := call(t, issueApp(store, fakeAccess{fail: tc.accessFail}, scopes), tc.method, tc.path, tc.body)
			checkRefusal(t, tc.method, tc.path, got, tc.status, tc.detail)
			if len(store.Updates)+len(store.Deleted)+len(store.Merged) != 0 {
				t.Errorf("a refused request changed issues: updates %v, deleted %v, merged %v", store.Updates, store.Deleted, store.Merged)
			}
		})
	}
}

func TestIssueListAndDetail(t *testing.T) {
	store := issueStore()
	app := issueApp(store, fakeAccess{}, allEventScopes)
	got := call(t, app, "GET", "/api/0/organizations/acme/issues/?limit=1", "")
	var list []issueJSON
	if err := json.Unmarshal([]byte(got.body), &list); err != nil || got.status != 200 {
		t.Fatalf("list: %d %s", got.status, got.body)
	}
	if len(list) != 1 || list[0].ID != "1" || list[0].UserCount != 4 || list[0].Platform != "javascript" {
		t.Errorf("first page %+v, want issue 1 with 4 users, on javascript", list)
	}
	if !strings.Contains(got.header["Link"], `rel="next"; results="true"`) {
		t.Errorf("Link %q: want a next page", got.header["Link"])
	}
	if got.header["X-Hits"] != "3" || got.header["X-Max-Hits"] != "1000" {
		t.Errorf("X-Hits %q, X-Max-Hits %q: want 3 issues in acme in all (of a page of 1), counted up to 1000", got.header["X-Hits"], got.header["X-Max-Hits"])
	}
	got = call(t, app, "GET", "/api/0/projects/acme/web/issues/?query=browser:Firefox", "")
	if err := json.Unmarshal([]byte(got.body), &list); err != nil || len(list) != 1 || list[0].ID != "2" {
		t.Errorf("tag search: %d %s, want issue 2 only", got.status, got.body)
	}
	if got.header["X-Hits"] != "1" {
		t.Errorf("tag search X-Hits %q: want 1, the matches of the same filter", got.header["X-Hits"])
	}
	got = call(t, app, "GET", "/api/0/issues/1/", "")
	var one issueJSON
	if err := json.Unmarshal([]byte(got.body), &one); err != nil || got.status != 200 || one.ID != "1" || one.UserCount != 4 {
		t.Errorf("detail: %d %s", got.status, got.body)
	}
	if !strings.Contains(got.body, `"lastRelease":{"version":"1.0.0","shortVersion":"1.0.0"}`) || !strings.Contains(got.body, `"firstRelease":null`) {
		t.Errorf("detail releases: %s, want lastRelease 1.0.0 and firstRelease null", got.body)
	}
	if got = call(t, app, "GET", "/api/0/organizations/acme/issues/", ""); strings.Contains(got.body, "lastRelease") {
		t.Errorf("the list carries releases: %s", got.body)
	}
}

func TestIssueChanges(t *testing.T) {
	const web = "/api/0/projects/acme/web/issues/"
	store := issueStore()
	app := issueApp(store, fakeAccess{}, allEventScopes)
	// Issue 3 is another project's: left alone.
	if got := call(t, app, "PUT", web+"?id=1&id=2&id=3", `{"assignedTo":"#ops"}`); got.status != 200 || !strings.Contains(got.body, `"updated":2`) {
		t.Errorf("assign: %d %s", got.status, got.body)
	}
	if len(store.Updates) != 1 || store.Updates[0].TeamID == nil || *store.Updates[0].TeamID != 3 {
		t.Errorf("stored updates %+v, want team 3", store.Updates)
	}
	got := call(t, app, "PUT", web+"?id=2&id=1", `{"merge":1}`)
	if got.status != 200 || got.body != `{"merge":{"children":["2"],"parent":"1"}}` {
		t.Errorf("merge: %d %s", got.status, got.body)
	}
	if len(store.Merged) != 1 || store.Merged[0].Parent != 1 {
		t.Errorf("stored merges %+v, want 2 into 1", store.Merged)
	}
	if got := call(t, app, "DELETE", "/api/0/organizations/acme/issues/?query=is:unresolved", ""); got.status != 204 {
		t.Errorf("delete by query: %d %s", got.status, got.body)
	}
	if slices.Sort(store.Deleted); !slices.Equal(store.Deleted, []int64{1, 2, 3}) {
		t.Errorf("deleted %v, want acme's issues 1, 2 and 3", store.Deleted)
	}
}

// Issues resolve in a release or in the next one, in bulk or one at a
// time, and say so in their statusDetails.
func TestIssueResolvedInRelease(t *testing.T) {
	store := issueStore()
	app := issueApp(store, fakeAccess{}, allEventScopes)
	statusOf := func(path string) (string, map[string]any) {
		t.Helper()
		var is issueJSON
		got := call(t, app, "GET", path, "")
		if err := json.Unmarshal([]byte(got.body), &is); err != nil || got.status != 200 {
			t.Fatalf("GET %s: %d %s", path, got.status, got.body)
		}
		return is.Status, is.StatusDetails
	}
	got := call(t, app, "PUT", "/api/0/issues/1/", `{"status":"resolved","statusDetails":{"inNextRelease":true}}`)
	var changed issueJSON
	if err := json.Unmarshal([]byte(got.body), &changed); err != nil || got.status != 200 || changed.ID != "1" || changed.Status != "resolved" ||
		changed.StatusDetails["inNextRelease"] != true || len(changed.StatusDetails) != 1 {
		t.Fatalf("resolve issue 1 in the next release: %d %s", got.status, got.body)
	}
	if len(store.Updates) != 1 || !store.Updates[0].InNextRelease || store.Updates[0].InRelease != "" {
		t.Fatalf("stored %+v, want one update in the next release", store.Updates)
	}
	got = call(t, app, "PUT", "/api/0/projects/acme/web/issues/?id=2", `{"status":"resolved","statusDetails":{"inRelease":"1.2.0"}}`)
	if got.status != 200 || !strings.Contains(got.body, `"statusDetails":{"inRelease":"1.2.0"}`) || !strings.Contains(got.body, `"updated":1`) {
		t.Fatalf("bulk resolve in 1.2.0: %d %s", got.status, got.body)
	}
	if status, details := statusOf("/api/0/issues/2/"); status != "resolved" || details["inRelease"] != "1.2.0" || len(details) != 1 {
		t.Errorf("issue 2: %s %v, want resolved in 1.2.0", status, details)
	}
	var list []issueJSON
	got = call(t, app, "GET", "/api/0/projects/acme/web/issues/?query=is:resolved", "")
	if err := json.Unmarshal([]byte(got.body), &list); err != nil || len(list) != 2 {
		t.Fatalf("resolved issues: %d %s", got.status, got.body)
	}
	for _, is := range list {
		if want := map[string]string{"1": `{"inNextRelease":true}`, "2": `{"inRelease":"1.2.0"}`}[is.ID]; mustJSON(t, is.StatusDetails) != want {
			t.Errorf("issue %s in the list: statusDetails %s, want %s", is.ID, mustJSON(t, is.StatusDetails), want)
		}
	}
	// Resolved plainly, or anything but resolved: empty details.
	call(t, app, "PUT", "/api/0/issues/2/", `{"status":"resolved"}`)
	if _, details := statusOf("/api/0/issues/2/"); len(details) != 0 {
		t.Errorf("resolved plainly: statusDetails %v, want {}", details)
	}
	call(t, app, "PUT", "/api/0/issues/1/", `{"status":"unresolved"}`)
	if status, details := statusOf("/api/0/issues/1/"); status != "unresolved" || len(details) != 0 {
		t.Errorf("unresolved: %s %v, want no details", status, details)
	}
	// What Sentry's clients send on opening an issue marks it seen, and
	// changes nothing else.
	updates := len(store.Updates)
	got = call(t, app, "PUT", "/api/0/issues/1/", `{"hasSeen":true}`)
	if got.status != 200 || len(store.Updates) != updates+1 || !strings.Contains(got.body, `"hasSeen":true`) {
		t.Fatalf("hasSeen: %d %s, %d updates; want the issue, seen", got.status, got.body, len(store.Updates)-updates)
	}
	if u := store.Updates[updates]; u.Status != nil || u.AssigneeID != nil || u.Seen == nil || !*u.Seen {
		t.Errorf("hasSeen sent %+v", u)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
