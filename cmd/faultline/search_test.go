package main

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

func TestIssueSearchAndTriage(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	event := func(msg, level, env, browser, user string) string {
		u := ""
		if user != "" {
			u = `,"user":{"id":"` + user + `"}`
		}
		return "{}\n{\"type\":\"event\"}\n" + `{"message":"` + msg + `","level":"` + level + `","environment":"` + env + `","tags":{"browser":"` + browser + `"}` + u + `}`
	}
	for _, e := range []string{
		event("checkout failed", "error", "production", "Chrome", ""),
		event("checkout failed", "error", "production", "Chrome", ""),
		event("login slow", "warning", "staging", "Firefox", ""),
		event("cache miss storm", "error", "production", "Firefox", "u1"),
	} {
		if resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, e, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("post: %d %s", resp.StatusCode, body)
		}
	}
	all := waitForCount(t, api, proj.Organization, proj.Project, 4)
	ids := map[string]string{}
	for _, is := range all {
		ids[is.Title] = is.ID
	}
	base := fmt.Sprintf("/api/0/projects/%s/%s/issues/", proj.Organization, proj.Project)
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
		return strings.Join(out, ", ")
	}
	cases := []struct{ query, want string }{
		{"level:error", "cache miss storm, checkout failed"},
		{"!level:error", "login slow"},
		{"environment:production", "cache miss storm, checkout failed"},
		{"!environment:production", "login slow"},
		{"browser:Firefox", "cache miss storm, login slow"},
		{"browser:Firefox level:error", "cache miss storm"},
		{"checkout", "checkout failed"},
		{"has:user", "cache miss storm"},
		{"lastSeen:-1h", "cache miss storm, checkout failed, login slow"},
		{"lastSeen:+1h", ""},
		{"is:resolved", ""},
	}
	for _, tc := range cases {
		if got := titles(base, tc.query); got != tc.want {
			t.Errorf("query %q: %q, want %q", tc.query, got, tc.want)
		}
	}
	var byFreq []issueResp
	api.get(base+"?sort=freq", &byFreq)
	if len(byFreq) == 0 || byFreq[0].Title != "checkout failed" {
		t.Errorf("sort=freq: %+v", byFreq)
	}
	var byUsers []issueResp
	api.get(base+"?sort=user", &byUsers)
	if len(byUsers) != 3 || byUsers[0].Title != "cache miss storm" {
		t.Errorf("sort=user: %+v", byUsers)
	}
	if code := api.get(base+"?query="+url.QueryEscape("is:closed"), nil); code != http.StatusBadRequest {
		t.Errorf("a bad query: %d, want 400", code)
	}

	// Triage: resolve one, assign another.
	var me struct{ User struct{ Email string } }
	api.get("/api/0/", &me)
	if code := api.call("PUT", base+"?id="+ids["checkout failed"], `{"status":"resolved"}`, nil); code != http.StatusOK {
		t.Fatalf("resolve: %d", code)
	}
	if code := api.call("PUT", base+"?id="+ids["login slow"], `{"assignedTo":"`+me.User.Email+`"}`, nil); code != http.StatusOK {
		t.Fatalf("assign: %d", code)
	}
	for query, want := range map[string]string{
		"is:resolved":                 "checkout failed",
		"":                            "cache miss storm, login slow", // is:unresolved is implied
		"assigned:me":                 "login slow",
		"assigned:none":               "cache miss storm, checkout failed", // a query names its statuses itself
		"is:unresolved assigned:none": "cache miss storm",
		"assigned:" + me.User.Email:   "login slow",
		"is:unresolved is:resolved":   "cache miss storm, checkout failed, login slow",
		"assigned:nobody@example.com": "",
	} {
		path := base
		if query == "" {
			path = strings.TrimSuffix(base, "/") + "/"
			var got []issueResp
			api.get(path, &got)
			var out []string
			for _, is := range got {
				out = append(out, is.Title)
			}
			sort.Strings(out)
			if strings.Join(out, ", ") != want {
				t.Errorf("no query: %v, want %q", out, want)
			}
			continue
		}
		if got := titles(path, query); got != want {
			t.Errorf("after triage, query %q: %q, want %q", query, got, want)
		}
	}
	var activity []struct{ Type string }
	api.get("/api/0/issues/"+ids["checkout failed"]+"/activity/", &activity)
	if len(activity) != 1 || activity[0].Type != "set_resolved" {
		t.Errorf("activity %+v, want one set_resolved", activity)
	}

	// The organization-wide search sees the same issues.
	org := fmt.Sprintf("/api/0/organizations/%s/issues/", proj.Organization)
	if got := titles(org, "is:unresolved level:error"); got != "cache miss storm" {
		t.Errorf("organization search: %q", got)
	}
	// Bulk changes never reach another organization's issues.
	other := metadatatest.Project(t, srv.db, testSecret)
	otherAPI := apiClient{t: t, base: api.base, token: other.Token}
	otherBase := fmt.Sprintf("/api/0/projects/%s/%s/issues/", other.Organization, other.Project)
	if code := otherAPI.call("PUT", otherBase+"?id="+ids["cache miss storm"], `{"status":"ignored"}`, nil); code != http.StatusNotFound {
		t.Errorf("bulk update of another organization's issue: %d, want 404", code)
	}
	if code := api.call("DELETE", base+"?id="+ids["login slow"], "", nil); code != http.StatusNoContent {
		t.Errorf("bulk delete: %d", code)
	}
	if got := titles(base, "is:unresolved"); got != "cache miss storm" {
		t.Errorf("after delete: %q", got)
	}
	// A bulk change can name its issues by a query.
	if code := api.call("PUT", base+"?query="+url.QueryEscape("is:unresolved level:error"), `{"status":"resolved"}`, nil); code != http.StatusOK {
		t.Errorf("bulk resolve by query: %d", code)
	}
	if got := titles(base, "is:unresolved"); got != "" {
		t.Errorf("after resolving by query: %q", got)
	}
}

func TestMergeIssues(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	for _, m := range []string{"disk full", "disk full", "disk full", "quota exceeded", "quota exceeded", "out of inodes"} {
		postEvent(t, srv.addr, proj.ProjectID, proj.PublicKey, m)
	}
	issues := waitForCount(t, api, proj.Organization, proj.Project, 6)
	ids := map[string]string{}
	for _, is := range issues {
		ids[is.Title] = is.ID
	}
	base := fmt.Sprintf("/api/0/projects/%s/%s/issues/", proj.Organization, proj.Project)
	var res struct {
		Merge struct {
			Parent   string
			Children []string
		}
	}
	path := base + "?id=" + ids["disk full"] + "&id=" + ids["quota exceeded"] + "&id=" + ids["out of inodes"]
	if code := api.call("PUT", path, `{"merge":1}`, &res); code != http.StatusOK || res.Merge.Parent != ids["disk full"] || len(res.Merge.Children) != 2 {
		t.Fatalf("merge: %d %+v", code, res)
	}
	var after []issueResp
	api.get(base+"?query=", &after)
	if len(after) != 1 || after[0].ID != ids["disk full"] || after[0].Count != "6" {
		t.Fatalf("after the merge: %+v; want one issue with 6 events", after)
	}
	// The merged issues' events follow when the merge mover runs.
	var events []struct{ EventID string }
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		api.get("/api/0/issues/"+ids["disk full"]+"/events/", &events)
		if len(events) == 6 || time.Now().After(deadline) {
			break
		}
	}
	if len(events) != 6 {
		t.Errorf("the merged issue lists %d events, want 6", len(events))
	}
	// A new event with a merged issue's fingerprint joins the merged issue.
	postEvent(t, srv.addr, proj.ProjectID, proj.PublicKey, "quota exceeded")
	merged := waitForCount(t, api, proj.Organization, proj.Project, 7)
	if len(merged) != 1 || merged[0].Count != "7" {
		t.Errorf("after a new event of a merged issue: %+v", merged)
	}
	if code := api.call("PUT", base+"?id="+ids["disk full"], `{"merge":1}`, nil); code != http.StatusBadRequest {
		t.Errorf("merging one issue: %d, want 400", code)
	}
}
