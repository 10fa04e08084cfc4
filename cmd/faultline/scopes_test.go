package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// Each scope opens its routes, and a token holding every other scope but
// that one is refused them.
func TestTokenScopes(t *testing.T) {
	srv := testServer(t)
	ctx := context.Background()
	owner := metadatatest.Project(t, srv.db, testSecret)
	full := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	postEvent(t, srv.addr, owner.ProjectID, owner.PublicKey, "scoped")
	issue := waitForCount(t, full, owner.Organization, owner.Project, 1)[0]
	proj := fmt.Sprintf("/api/0/projects/%s/%s", owner.Organization, owner.Project)

	// Each case prepares what its request consumes, so both runs have it.
	cases := []struct {
		scope   string
		method  string
		path    func() string
		body    string
		success int
	}{
		{"org:read", "GET", func() string { return "/api/0/organizations/" + owner.Organization + "/" }, "", 200},
		{"org:write", "POST", func() string { return "/api/0/organizations/" }, `{"name":"` + metadatatest.Slug("scoped") + `"}`, 201},
		{"project:read", "GET", func() string { return proj + "/keys/" }, "", 200},
		{"project:write", "PUT", func() string { return proj + "/" }, `{"platform":"go"}`, 200},
		{"project:admin", "DELETE", func() string {
			var k struct{ ID string }
			full.call("POST", proj+"/keys/", `{"name":"doomed"}`, &k)
			return proj + "/keys/" + k.ID + "/"
		}, "", 204},
		{"project:releases", "POST", func() string { return "/api/0/organizations/" + owner.Organization + "/releases/" },
			`{"version":"` + metadatatest.Slug("scoped") + `","projects":["` + owner.Project + `"]}`, 201},
		{"member:read", "GET", func() string { return "/api/0/organizations/" + owner.Organization + "/members/" }, "", 200},
		{"member:write", "POST", func() string { return "/api/0/organizations/" + owner.Organization + "/members/" },
			`{"email":"` + metadatatest.Slug("invitee") + `@example.com","role":"member"}`, 201},
		{"org:admin", "DELETE", func() string {
			var o struct{ Slug string }
			full.call("POST", "/api/0/organizations/", `{"name":"`+metadatatest.Slug("doomed")+`"}`, &o)
			return "/api/0/organizations/" + o.Slug + "/"
		}, "", 202},
		{"team:write", "PUT", func() string {
			var team struct{ Slug string }
			full.call("POST", "/api/0/organizations/"+owner.Organization+"/teams/", `{"name":"`+metadatatest.Slug("scoped")+`"}`, &team)
			return "/api/0/teams/" + owner.Organization + "/" + team.Slug + "/"
		}, `{"name":"Renamed"}`, 200},
		{"event:read", "GET", func() string { return "/api/0/issues/" + issue.ID + "/events/" }, "", 200},
		{"event:write", "PUT", func() string { return proj + "/issues/?id=" + issue.ID }, `{"status":"unresolved"}`, 200},
		{"event:admin", "DELETE", func() string {
			msg := metadatatest.Slug("doomed")
			postEvent(t, srv.addr, owner.ProjectID, owner.PublicKey, msg)
			var found []issueResp
			for deadline := time.Now().Add(30 * time.Second); len(found) == 0; time.Sleep(50 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the event to delete never became an issue")
				}
				full.get(proj+"/issues/?query="+msg, &found)
			}
			return proj + "/issues/?id=" + found[0].ID
		}, "", 204},
	}
	for _, tc := range cases {
		t.Run(tc.scope, func(t *testing.T) {
			var others []string
			for _, s := range metadata.AllScopes {
				if s != tc.scope {
					others = append(others, s)
				}
			}
			for _, run := range []struct {
				scopes []string
				want   int
			}{{[]string{tc.scope}, tc.success}, {others, http.StatusForbidden}} {
				tok, err := srv.db.CreateToken(ctx, owner.UserID, "scope test", run.scopes)
				if err != nil {
					t.Fatal(err)
				}
				c := apiClient{t: t, base: full.base, token: tok.Token}
				path := tc.path()
				if code := c.call(tc.method, path, tc.body, nil); code != run.want {
					t.Errorf("%s %s with %v: %d, want %d", tc.method, path, run.scopes, code, run.want)
				}
			}
		})
	}
	// Every scope that routes use is covered above; team:read and team:admin
	// are Sentry's, taken so that tokens made for its tools are accepted, and
	// gate nothing yet.
	for _, s := range metadata.AllScopes {
		covered := s == "team:read" || s == "team:admin"
		for _, tc := range cases {
			covered = covered || tc.scope == s
		}
		if !covered {
			t.Errorf("scope %s has no case", s)
		}
	}
}
