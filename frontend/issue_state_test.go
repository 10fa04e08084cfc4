package frontend

import (
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/frontend/issues/issuestest"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// stateApp serves the issue and issue detail routes over store for user
// 42 holding scopes.
func stateApp(store *issuestest.Store, scopes []string) *fiber.App {
	a := &API{access: fakeAccess{}, finder: issues.NewFinder(store, store, store), editor: issues.NewEditor(store, store),
		details: issues.NewDetails(store, store)}
	return testApp(scopes, func(r fiber.Router) { a.registerIssues(r); a.registerIssueDetails(r) })
}

// The caller's bookmark, seen mark and the issue's share link are kept and
// read back in the list and the issue, with who has seen it.
func TestIssueBookmarkSeenPublic(t *testing.T) {
	store := issueStore()
	store.SeenBy = []metadata.Seer{{Person: metadata.Person{ID: 42, Email: "me@example.com"}, LastSeen: time.Unix(1e9, 0)}}
	app := stateApp(store, allEventScopes)

	if got := call(t, app, "PUT", "/api/0/projects/acme/web/issues/?id=1&id=2", `{"isBookmarked":true}`); got.status != 200 ||
		!strings.Contains(got.body, `"isBookmarked":true`) {
		t.Fatalf("bulk bookmark: %d %s", got.status, got.body)
	}
	var list []issueJSON
	got := call(t, app, "GET", "/api/0/projects/acme/web/issues/", "")
	if err := json.Unmarshal([]byte(got.body), &list); err != nil || len(list) != 2 || !list[0].IsBookmarked || !list[1].IsBookmarked {
		t.Fatalf("list after bookmarking: %s", got.body)
	}
	if list[0].SeenBy != nil || list[0].Stats != nil {
		t.Errorf("the list carries seenBy or stats unasked: %s", got.body)
	}
	got = call(t, app, "PUT", "/api/0/issues/1/", `{"hasSeen":true,"isBookmarked":false,"isPublic":true}`)
	var one issueJSON
	if err := json.Unmarshal([]byte(got.body), &one); err != nil || got.status != 200 {
		t.Fatalf("single change: %d %s", got.status, got.body)
	}
	if !one.HasSeen || one.IsBookmarked || !one.IsPublic || one.ShareID == nil || *one.ShareID == "" {
		t.Errorf("after seen, unbookmarked, public: %s", got.body)
	}
	if one.SeenBy == nil || len(*one.SeenBy) != 1 || (*one.SeenBy)[0].Email != "me@example.com" || (*one.SeenBy)[0].LastSeen == "" {
		t.Errorf("seenBy: %+v", one.SeenBy)
	}
	got = call(t, app, "PUT", "/api/0/issues/1/", `{"isPublic":false}`)
	if !strings.Contains(got.body, `"isPublic":false,"shareId":null`) {
		t.Errorf("after revoking: %s", got.body)
	}
	// is:bookmarked and bookmarks:me search the caller's bookmarks.
	for _, q := range []string{"is:bookmarked", "bookmarks:me"} {
		store.Filters = nil
		call(t, app, "GET", "/api/0/projects/acme/web/issues/?query="+q, "")
		if len(store.Filters) != 1 || store.Filters[0].Match == nil ||
			!reflect.DeepEqual(*store.Filters[0].Match, metadata.IssueCond{Field: metadata.FieldBookmarkedBy, Value: []int64{42}}) {
			t.Errorf("%s searched %+v, want bookmarks of user 42", q, store.Filters)
		}
	}
	// A read-only token may not change them.
	if got := call(t, stateApp(store, []string{"event:read"}), "PUT", "/api/0/issues/1/", `{"isBookmarked":true}`); got.status != 403 {
		t.Errorf("bookmark with event:read: %d %s, want 403", got.status, got.body)
	}
}

// assignedTo is Sentry's actor object; an ignored issue's statusDetails
// carry its conditions and actor, in the PUT answer as in GET.
func TestIssueAssigneeAndIgnoreDetails(t *testing.T) {
	store := issueStore()
	email, team := "ann@example.com", "ops"
	mins, count := int64(30), int64(5)
	until := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	store.Issues[0].Assignee, store.Issues[0].AssigneeID = &email, 7
	store.Issues[1].TeamSlug, store.Issues[1].TeamID = &team, 3
	store.Issues[2].Status, store.Issues[2].IgnoreUntil, store.Issues[2].IgnoreMinutes, store.Issues[2].IgnoreCount =
		"ignored", &until, &mins, &count
	store.Issues[2].IgnoredBy = &metadata.Person{ID: 42, Email: "me@example.com"}
	app := stateApp(store, allEventScopes)
	for path, want := range map[string]string{
		"/api/0/issues/1/": `"assignedTo":{"type":"user","id":"7","name":"ann@example.com","email":"ann@example.com"}`,
		"/api/0/issues/2/": `"assignedTo":{"type":"team","id":"3","name":"ops"}`,
		"/api/0/issues/3/": `"statusDetails":{"actor":{"type":"user","id":"42","name":"me@example.com","email":"me@example.com"},` +
			`"ignoreCount":5,"ignoreDuration":30,"ignoreUntil":"2030-01-02T03:04:05.000000Z"}`,
	} {
		if got := call(t, app, "GET", path, ""); !strings.Contains(got.body, want) {
			t.Errorf("GET %s: %s\nwant it to hold %s", path, got.body, want)
		}
	}
	got := call(t, app, "PUT", "/api/0/projects/acme/web/issues/?id=1", `{"status":"ignored","statusDetails":{"ignoreDuration":30,"ignoreCount":5}}`)
	var answer struct{ StatusDetails map[string]any }
	_ = json.Unmarshal([]byte(got.body), &answer)
	d := answer.StatusDetails
	if d["ignoreDuration"] != 30.0 || d["ignoreCount"] != 5.0 || d["ignoreUntil"] == nil || d["actor"] == nil {
		t.Errorf("PUT ignore answered %s", got.body)
	}
	u := store.Updates[len(store.Updates)-1]
	if end, _ := time.Parse("2006-01-02T15:04:05.000000Z", d["ignoreUntil"].(string)); !end.Equal(u.IgnoreUntil) || u.IgnoreMinutes != 30 {
		t.Errorf("answered ignoreUntil %v, stored %v (minutes %d)", d["ignoreUntil"], u.IgnoreUntil, u.IgnoreMinutes)
	}
}

// groupStatsPeriod adds each listed issue's counts, asked for the whole
// page at once; other values are refused naming it.
func TestIssueListStats(t *testing.T) {
	store := issueStore()
	at := time.Unix(1_700_000_000, 0).UTC()
	store.Series = map[uint64][]analytics.Bucket{1: {{Start: at, Count: 3}}, 2: {{Start: at, Count: 0}}}
	app := stateApp(store, allEventScopes)
	for period, step := range map[string]time.Duration{"24h": time.Hour, "14d": 24 * time.Hour, "": time.Hour, "auto": time.Hour} {
		store.SeriesAsks, store.SeriesStep = nil, nil
		got := call(t, app, "GET", "/api/0/projects/acme/web/issues/?groupStatsPeriod="+period, "")
		key := map[string]string{"": "24h", "auto": "24h"}[period]
		if key == "" {
			key = period
		}
		if want := `"stats":{"` + key + `":[[1700000000,3]]}`; got.status != 200 || !strings.Contains(got.body, want) {
			t.Errorf("groupStatsPeriod=%s: %d %s, want %s", period, got.status, got.body, want)
		}
		if len(store.SeriesAsks) != 1 || !slices.Equal(store.SeriesAsks[0], []uint64{1, 2}) || store.SeriesStep[0] != step {
			t.Errorf("groupStatsPeriod=%s asked %v at %v, want one ask for issues 1 and 2 by %v", period, store.SeriesAsks, store.SeriesStep, step)
		}
	}
	if got := call(t, app, "GET", "/api/0/projects/acme/web/issues/?groupStatsPeriod=7d", ""); got.status != 400 || !strings.Contains(got.detail(), "groupStatsPeriod") {
		t.Errorf("groupStatsPeriod=7d: %d %s, want 400 naming it", got.status, got.body)
	}
	store.SeriesAsks = nil
	if got := call(t, app, "GET", "/api/0/projects/acme/web/issues/", ""); strings.Contains(got.body, `"stats"`) || len(store.SeriesAsks) != 0 {
		t.Errorf("without groupStatsPeriod: %s, %d stats queries", got.body, len(store.SeriesAsks))
	}
}

// DELETE /issues/{id}/ takes event:admin: a reader is refused, not told
// the issue is missing.
func TestIssueDelete(t *testing.T) {
	cases := []struct {
		name   string
		scopes []string
		path   string
		status int
	}{
		{"admin", allEventScopes, "/api/0/issues/1/", 202},
		{"read-only token", []string{"event:read"}, "/api/0/issues/1/", 403},
		{"writer without admin", []string{"event:read", "event:write"}, "/api/0/issues/1/", 403},
		{"member of the org", allEventScopes, "/api/0/issues/4/", 403}, // small: a member's role lacks event:admin
		{"unknown issue", allEventScopes, "/api/0/issues/99/", 404},
		{"not an id", allEventScopes, "/api/0/issues/x/", 404},
	}
	for _, tc := range cases {
		store := issueStore()
		got := call(t, stateApp(store, tc.scopes), "DELETE", tc.path, "")
		if got.status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, got.status, got.body, tc.status)
		}
		if deleted := len(store.Deleted) > 0; deleted != (tc.status == 202) {
			t.Errorf("%s: deleted %v", tc.name, store.Deleted)
		}
	}
}

// Only a comment's author edits it; its author or an owner or manager
// deletes it; a comment not on the issue is not there.
func TestCommentEditDelete(t *testing.T) {
	notes := func() *issuestest.Store {
		s := issueStore()
		s.Notes = []metadata.Comment{{ID: 10, UserID: 42, Text: "mine"}, {ID: 11, UserID: 7, Text: "ann's"}}
		return s
	}
	cases := []struct {
		name, method, path, body string
		scopes                   []string
		status                   int
		detail                   string
	}{
		{"edit own", "PUT", "/api/0/issues/1/comments/10/", `{"text":"fixed"}`, allEventScopes, 200, ""},
		{"edit another's", "PUT", "/api/0/issues/1/comments/11/", `{"text":"x"}`, allEventScopes, 403, "author"},
		{"edit empty", "PUT", "/api/0/issues/1/comments/10/", `{"text":"  "}`, allEventScopes, 400, "text"},
		{"edit unknown", "PUT", "/api/0/issues/1/comments/99/", `{"text":"x"}`, allEventScopes, 404, ""},
		{"edit read-only", "PUT", "/api/0/issues/1/comments/10/", `{"text":"x"}`, []string{"event:read"}, 403, ""},
		{"delete own", "DELETE", "/api/0/issues/4/comments/10/", "", allEventScopes, 204, ""},
		{"owner deletes another's", "DELETE", "/api/0/issues/1/comments/11/", "", allEventScopes, 204, ""},
		{"member deletes another's", "DELETE", "/api/0/issues/4/comments/11/", "", allEventScopes, 403, "owner or manager"},
		{"delete unknown", "DELETE", "/api/0/issues/1/comments/x/", "", allEventScopes, 404, ""},
		{"unknown issue", "DELETE", "/api/0/issues/99/comments/10/", "", allEventScopes, 404, ""},
	}
	for _, tc := range cases {
		store := notes()
		got := call(t, stateApp(store, tc.scopes), tc.method, tc.path, tc.body)
		if got.status != tc.status || !strings.Contains(got.detail(), tc.detail) {
			t.Errorf("%s: %d %s, want %d with %q", tc.name, got.status, got.body, tc.status, tc.detail)
		}
		changed := len(store.Edited) + len(store.Removed)
		if (changed > 0) != (tc.status < 300) {
			t.Errorf("%s: edited %v, removed %v", tc.name, store.Edited, store.Removed)
		}
	}
}

// sharedApp serves the public share routes over store.
func sharedApp(store *issuestest.Store) *fiber.App {
	a := &API{access: fakeAccess{}, finder: issues.NewFinder(store, store, store), details: issues.NewDetails(store, store)}
	app := fiber.New(fiber.Config{ErrorHandler: ErrorHandler(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	a.registerShared(app)
	return app
}

// A shared issue answers without login, with nothing of its event that
// names a person, and its page escapes what the event carries; an unknown
// or malformed link is a 404.
func TestSharedIssue(t *testing.T) {
	store := issueStore()
	share := strings.Repeat("ab", 16)
	store.Issues[0].ShareID = &share
	store.Issues[0].Title = `<script>alert(1)</script>`
	payload := `{"user":{"email":"victim@example.com","ip_address":"203.0.113.9"},
		"request":{"url":"https://shop.example/cart?token=s3cret","headers":{"Cookie":"sid=s3cret"},"env":{"REMOTE_ADDR":"203.0.113.9"}},
		"extra":{"card":"4111-secret"},"contexts":{"os":{"name":"Linux"},"user":{"email":"victim@example.com"}},
		"breadcrumbs":[{"timestamp":"2026-01-01T00:00:00Z","category":"auth","message":"login","data":{"email":"victim@example.com"}}],
		"exception":[{"type":"Boom","value":"<b>bad</b>","stacktrace":{"frames":[{"function":"pay","filename":"pay.go","lineno":7,"in_app":true,"vars":{"password":"hunter2"}}]}}]}`
	store.Events = map[int64][]analytics.EventRow{1: {{ProjectID: 1, IssueID: 1, EventID: "e1", Title: "Boom", Level: "error",
		Timestamp: time.Unix(1e9, 0), Payload: []byte(payload),
		TagKeys: []string{"browser", "user", "client_ip", "user.email"}, TagValues: []string{"Firefox", "email:victim@example.com", "203.0.113.9", "victim@example.com"}}}}
	app := sharedApp(store)

	secrets := []string{"victim@example.com", "203.0.113.9", "s3cret", "4111-secret", "hunter2"}
	got := call(t, app, "GET", "/api/0/shared/issues/"+share+"/", "")
	if got.status != 200 || !strings.Contains(got.body, `"function":"pay"`) || !strings.Contains(got.body, `"Firefox"`) {
		t.Fatalf("shared JSON: %d %s", got.status, got.body)
	}
	page := call(t, app, "GET", "/share/issue/"+share+"/", "")
	if page.status != 200 || !strings.Contains(page.body, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(page.body, "<script>") ||
		!strings.Contains(page.body, `name="viewport"`) || !strings.Contains(page.body, "pay.go") {
		t.Errorf("shared page: %d %s", page.status, page.body)
	}
	for _, s := range secrets {
		if strings.Contains(got.body, s) || strings.Contains(page.body, s) {
			t.Errorf("the shared issue leaks %q", s)
		}
	}
	if got.header["Cache-Control"] != "no-cache" || page.header["Referrer-Policy"] != "no-referrer" {
		t.Errorf("headers %v / %v", got.header, page.header)
	}
	for _, id := range []string{strings.Repeat("cd", 16), "1", strings.Repeat("AB", 16)} {
		if got := call(t, app, "GET", "/api/0/shared/issues/"+id+"/", ""); got.status != 404 {
			t.Errorf("shared issue %s: %d, want 404", id, got.status)
		}
		if got := call(t, app, "GET", "/share/issue/"+id+"/", ""); got.status != 404 || !strings.Contains(got.body, "Not found") {
			t.Errorf("shared page %s: %d, want a 404 page", id, got.status)
		}
	}
}

// Past sixty lookups a minute, a client is told to wait: share ids cannot
// be guessed by brute force, nor ClickHouse kept busy by a stranger.
func TestSharedIssueThrottle(t *testing.T) {
	app := sharedApp(issueStore())
	for i := 0; i < 60; i++ {
		if got := call(t, app, "GET", "/api/0/shared/issues/"+strings.Repeat("0", 32)+"/", ""); got.status != 404 {
			t.Fatalf("lookup %d: %d, want 404", i+1, got.status)
		}
	}
	got := call(t, app, "GET", "/share/issue/"+strings.Repeat("0", 32)+"/", "")
	if got.status != 429 || got.header["Retry-After"] == "" {
		t.Errorf("lookup 61: %d %v, want 429 with Retry-After", got.status, got.header)
	}
}
