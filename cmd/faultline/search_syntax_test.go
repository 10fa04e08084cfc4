package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// Issue search as Sentry users type it, against real PostgreSQL and
// ClickHouse: OR and parentheses, times_seen, user.email, event.timestamp,
// event and short ids, pasted titles, organization-wide, and the 400s for
// what is clearly wrong or too big.
func TestIssueSearchSyntax(t *testing.T) {
	srv := testServer(t)
	ctx := context.Background()
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	other, err := srv.db.CreateProject(ctx, metadata.NewProject{OrgID: proj.OrganizationID, Name: metadatatest.Slug("pay")})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := srv.db.ListKeys(ctx, other.ID)
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys of the second project: %v, %v", keys, err)
	}

	now := time.Now().UTC()
	hours := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	const pasted = "TypeError: Cannot read properties of undefined (reading 'x')"
	seq := 0
	send := func(projectID int64, key, msg, level, browser, user string, at time.Time) string {
		t.Helper()
		seq++
		id := fmt.Sprintf("%08x%024x", seq, now.UnixNano())
		payload, _ := json.Marshal(map[string]any{"event_id": id, "message": msg, "level": level, "timestamp": at.Unix(),
			"environment": "production", "tags": map[string]string{"browser": browser}, "user": json.RawMessage(user)})
		body := `{"event_id":"` + id + `"}` + "\n{\"type\":\"event\"}\n" + string(payload)
		if resp, b := postEnvelope(t, srv.addr, projectID, key, body, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("post: %d %s", resp.StatusCode, b)
		}
		return id
	}
	// Four issues in the project, one in another project of the
	// organization.
	for range 3 {
		send(proj.ProjectID, proj.PublicKey, pasted, "error", "Chrome", `{"id":"7","email":"ann@example.com"}`, hours(1))
	}
	checkoutEvent := send(proj.ProjectID, proj.PublicKey, "checkout failed", "fatal", "Firefox", `{"email":"bob@example.com"}`, hours(72))
	send(proj.ProjectID, proj.PublicKey, "login slow", "warning", "Safari", `{}`, hours(2))
	send(proj.ProjectID, proj.PublicKey, "login slow", "warning", "Safari", `{}`, hours(2))
	send(proj.ProjectID, proj.PublicKey, "cache miss storm", "error", "Firefox", `{}`, hours(3))
	payEvent := send(other.ID, keys[0].PublicKey, "payment declined", "error", "Chrome", `{}`, hours(1))

	all := waitForCount(t, api, proj.Organization, proj.Project, 7)
	byTitle := map[string]issueResp{}
	for _, is := range all {
		byTitle[is.Title] = is
	}
	base := fmt.Sprintf("/api/0/projects/%s/%s/issues/", proj.Organization, proj.Project)
	if code := api.call("PUT", base+"?id="+byTitle["cache miss storm"].ID, `{"status":"resolved"}`, nil); code != http.StatusOK {
		t.Fatalf("resolve: %d", code)
	}
	org := fmt.Sprintf("/api/0/organizations/%s/issues/", proj.Organization)
	var payShortID string
	waitUntil(t, func() (bool, string) {
		var found []issueResp
		api.get(org+"?query="+url.QueryEscape("payment"), &found)
		if len(found) == 1 {
			payShortID = found[0].ShortID
		}
		return len(found) == 1 && eventsReadable(api, found), fmt.Sprintf("%d issues", len(found))
	})

	titles := func(path, query string) string {
		t.Helper()
		var got []issueResp
		if code := api.get(path+"?query="+url.QueryEscape(query), &got); code != http.StatusOK {
			t.Fatalf("query %q: status %d", query, code)
		}
		var out []string
		for _, is := range got {
			out = append(out, is.Title)
		}
		sort.Strings(out)
		return strings.Join(out, " | ")
	}
	iso := func(at time.Time) string { return at.Format("2006-01-02T15:04:05") }
	dashed := func(id string) string {
		return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
	}
	const (
		typeErr  = pasted
		checkout = "checkout failed"
		login    = "login slow"
		cache    = "cache miss storm"
		pay      = "payment declined"
	)
	join := func(titles ...string) string { sort.Strings(titles); return strings.Join(titles, " | ") }
	cases := []struct {
		path, query string
		want        string
	}{
		{base, "is:unresolved (level:error OR level:fatal)", join(typeErr, checkout)},
		{base, "browser:Chrome OR browser:Firefox", join(typeErr, checkout, cache)},
		{base, "level:warning OR browser:Chrome level:error", join(login, typeErr)},
		{base, "(level:warning OR level:fatal) browser:Firefox", join(checkout)},
		{base, "level:error AND is:resolved", join(cache)},
		{base, "!level:error", join(checkout, login)},
		{base, "level:[warning, fatal]", join(checkout, login)},
		{base, "!level:[warning,fatal]", join(typeErr, cache)},
		{base, "is:[resolved,ignored]", join(cache)},
		{base, "browser:[Safari,Chrome] OR user.email:bob@example.com", join(login, typeErr, checkout)},
		{base, "times_seen:>1", join(typeErr, login)},
		{base, "times_seen:>=3", join(typeErr)},
		{base, "times_seen:<2", join(checkout, cache)},
		{base, "times_seen:=2 OR times_seen:3", join(login, typeErr)},
		// The user has an id: user_key holds it, not the email.
		{base, "user.email:ann@example.com", join(typeErr)},
		{base, "user.email:BOB@example.com", join(checkout)},
		{base, "user.email:carol@example.com", ""},
		{base, "event.timestamp:>" + iso(hours(24)), join(typeErr, login, cache)},
		{base, "event.timestamp:<" + iso(hours(24)), join(checkout)},
		{base, "event.timestamp:-24h", join(typeErr, login, cache)},
		{base, "!event.timestamp:-24h", join(checkout)},
		{base, "event.timestamp:-90m browser:Chrome", join(typeErr)},
		{base, "firstSeen:+2d", join(checkout)},
		{base, "lastSeen:-150m", join(typeErr, login)},
		{base, checkoutEvent, join(checkout)},
		{base, dashed(checkoutEvent), join(checkout)},
		{base, byTitle[typeErr].ShortID, join(typeErr)},
		{base, strings.ToLower(byTitle[login].ShortID), join(login)},
		{base, pasted, join(typeErr)},
		{base, "is:unresolved " + pasted, join(typeErr)},
		{base, "TypeError: Cannot read properties of undefined (reading", join(typeErr)},
		{base, "http://example.com/not-in-any-title", ""},
		// Another project's ids are not found in this one.
		{base, payEvent, ""},
		{base, payShortID, ""},
		{org, "level:error", join(typeErr, cache, pay)},
		{org, "is:unresolved (browser:Chrome OR level:fatal)", join(typeErr, checkout, pay)},
		{org, payEvent, join(pay)},
		{org, payShortID, join(pay)},
		{org, byTitle[checkout].ShortID, join(checkout)},
	}
	for _, tc := range cases {
		if got := titles(tc.path, tc.query); got != tc.want {
			t.Errorf("%s?query=%s\n got  %q\n want %q", tc.path, tc.query, got, tc.want)
		}
	}

	for _, tc := range []struct{ query, want string }{
		{"is:unresolved (level:error OR level:fatal", "query: a parenthesis is not closed: the one at character 15"},
		{"times_seen:>abc", `query: times_seen:>abc: "abc" is not a whole number`},
		{"event.timestamp:>yesterday", `query: event.timestamp:>yesterday: "yesterday" is not a date`},
		{"level:", "query: level: has no value"},
		{strings.TrimSuffix(strings.Repeat("b:1 OR ", 100), " OR "), "query: the query has 100 conditions; at most 40 are allowed"},
		{strings.Repeat("(", 11) + "level:error" + strings.Repeat(")", 11), "query: parentheses nest deeper than 10"},
		{strings.Repeat("word ", 500), "query: the query is 2500 bytes long; at most 2048 are read"},
	} {
		for _, path := range []string{base, org} {
			code, detail := api.callDetail("GET", path+"?query="+url.QueryEscape(tc.query), "")
			if code != http.StatusBadRequest || !strings.Contains(detail, tc.want) {
				t.Errorf("%s?query=%.50s: %d %q, want 400 with %q", path, tc.query, code, detail, tc.want)
			}
		}
	}
}
