package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// Every route that changes something, read from the OpenAPI document,
// refuses a token holding only read scopes, and a token holding every scope
// but the one the document names for it; routes the document gives no
// token scope refuse every token. The objects in the URLs are the token
// owner's own, so only the scopes stand in the way.
func TestEveryWriteNeedsAWriteScope(t *testing.T) {
	srv := testServer(t)
	owner := metadatatest.Project(t, srv.db, testSecret)
	full := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	org, proj := owner.Organization, fmt.Sprintf("/api/0/projects/%s/%s", owner.Organization, owner.Project)
	postEvent(t, srv.addr, owner.ProjectID, owner.PublicKey, "scoped")
	issue := waitForCount(t, full, org, owner.Project, 1)[0]

	var me struct{ User struct{ Email string } }
	full.get("/api/0/", &me)
	var key, monitor, rule, repo struct{ ID string }
	var tokenRow struct{ ID string }
	for _, c := range []struct {
		path, body string
		out        any
	}{
		{proj + "/keys/", `{"name":"scoped"}`, &key},
		{"/api/0/organizations/" + org + "/teams/", `{"name":"Scope Team"}`, nil},
		{"/api/0/organizations/" + org + "/monitors/", `{"monitorType":"GET","name":"Scoped","url":"https://example.com/","interval":3600}`, &monitor},
		{proj + "/alerts/", `{"name":"Scoped","triggers":["new_issue"],"alertRecipients":[{"recipientType":"email","url":"` + me.User.Email + `"}]}`, &rule},
		{"/api/0/organizations/" + org + "/repos/", `{"name":"scoped/repo"}`, &repo},
	} {
		if code := full.call("POST", c.path, c.body, c.out); code != http.StatusCreated {
			t.Fatalf("POST %s: %d", c.path, code)
		}
	}
	if code := full.call("POST", "/api/0/organizations/"+org+"/releases/", `{"version":"scoped@1","projects":["`+owner.Project+`"]}`, nil); code != http.StatusCreated {
		t.Fatalf("release: %d", code)
	}
	if code := full.call("POST", "/api/0/organizations/"+org+"/status-pages/",
		`{"name":"Scoped status","slug":"scoped-status","monitors":[`+monitor.ID+`]}`, nil); code != http.StatusCreated {
		t.Fatalf("status page: %d", code)
	}
	created, err := srv.db.CreateToken(t.Context(), owner.UserID, "listed", []string{"org:read"})
	if err != nil {
		t.Fatal(err)
	}
	tokenRow.ID = fmt.Sprint(created.ID)
	invite, err := srv.db.CreateInvitation(t.Context(), owner.OrganizationID, owner.UserID, metadatatest.Slug("inv")+"@example.com", "member")
	if err != nil {
		t.Fatal(err)
	}
	fill := strings.NewReplacer("{org}", org, "{project}", owner.Project, "{key_id}", key.ID, "{team}", "scope-team",
		"{slug}", "scoped-status", "{member_id}", fmt.Sprint(owner.UserID), "{token}", invite, "{event_id}", "5a1e4f3a2b1c4d0e9f8a7b6c5d4e3f2a",
		"{version}", "scoped@1", "{repo_id}", repo.ID)
	idFor := func(path string) string {
		switch {
		case strings.Contains(path, "/monitors/"):
			return monitor.ID
		case strings.Contains(path, "/alerts/"):
			return rule.ID
		case strings.HasPrefix(path, "/api/0/api-tokens/"):
			return tokenRow.ID
		}
		return issue.ID
	}

	var readScopes []string
	for _, s := range metadata.AllScopes {
		if strings.HasSuffix(s, ":read") {
			readScopes = append(readScopes, s)
		}
	}
	tokenWith := func(scopes []string) apiClient {
		tok, err := srv.db.CreateToken(t.Context(), owner.UserID, "route test", scopes)
		if err != nil {
			t.Fatal(err)
		}
		return apiClient{t: t, base: full.base, token: tok.Token}
	}
	readOnly := tokenWith(readScopes)

	type route struct{ method, path string }
	var routes []route
	doc := loadOpenAPIScopes(t)
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if method == "get" || len(op.Security) == 0 {
				continue // reads, and routes that take no credentials
			}
			routes = append(routes, route{strings.ToUpper(method), path})
		}
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].path+routes[i].method < routes[j].path+routes[j].method })
	checked := 0
	for _, r := range routes {
		op := doc.Paths[r.path][strings.ToLower(r.method)]
		url := strings.Replace(fill.Replace(r.path), "{id}", idFor(r.path), 1)
		if strings.Contains(r.path, "/issues/") && !strings.Contains(r.path, "{id}") {
			url += "?id=" + issue.ID
		}
		scopes, tokenAllowed := op.tokenScopes()
		for _, scope := range scopes {
			if !strings.HasSuffix(scope, ":write") && !strings.HasSuffix(scope, ":admin") && scope != "project:releases" {
				t.Errorf("%s %s: the document lets a token with %q change something; name a write or admin scope", r.method, r.path, scope)
			}
		}
		cases := map[string]apiClient{"only read scopes": readOnly}
		if tokenAllowed {
			cases["every scope but "+strings.Join(scopes, " and ")] = tokenWith(slices.DeleteFunc(slices.Clone(metadata.AllScopes),
				func(s string) bool { return slices.Contains(scopes, s) }))
		} else {
			cases["every scope (a session-only route)"] = tokenWith(metadata.AllScopes)
		}
		for name, c := range cases {
			if code := c.call(r.method, url, "{}", nil); code != http.StatusForbidden {
				t.Errorf("%s %s with a token holding %s: %d, want 403", r.method, url, name, code)
			}
		}
		checked++
	}
	if checked < 30 {
		t.Fatalf("checked only %d routes", checked)
	}
	// The objects are all still there.
	if code := full.get(proj+"/keys/", nil); code != http.StatusOK {
		t.Errorf("project after the sweep: %d", code)
	}
	if code := full.get("/api/0/teams/"+org+"/scope-team/", nil); code != http.StatusOK {
		t.Errorf("team after the sweep: %d", code)
	}
	if code := full.get("/api/0/organizations/"+org+"/releases/scoped@1/", nil); code != http.StatusOK {
		t.Errorf("release after the sweep: %d", code)
	}
}

type openAPIScopes struct {
	Paths map[string]map[string]scopedOp `json:"paths"`
}

type scopedOp struct {
	Security []map[string][]string `json:"security"`
	Scope    string                `json:"x-faultline-scope"`
}

// tokenScopes are the scopes a token needs for the operation, any one of
// them (uploads take project:releases or project:write), and whether a
// token may call it at all.
func (op scopedOp) tokenScopes() ([]string, bool) {
	var out []string
	for _, s := range op.Security {
		if scopes, ok := s["token"]; ok {
			if len(scopes) == 0 {
				scopes = []string{op.Scope}
			}
			out = append(out, scopes[0])
		}
	}
	return out, len(out) > 0
}

func loadOpenAPIScopes(t *testing.T) openAPIScopes {
	t.Helper()
	b, err := os.ReadFile("../../frontend/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIScopes
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}
