package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// projectAnswer is a project as the API renders it.
type projectAnswer struct {
	ID, Slug, Name, Platform, SubjectPrefix string
	ResolveAge                              int
	Options                                 map[string]any
	Organization                            struct{ ID, Slug, Name string }
	Teams                                   []struct{ Slug string }
}

// A tool creates a project through a team, as sentry-cli's and Sentry's
// Terraform provider do, and lists every project it can see.
func TestTeamProjectsAndProjectList(t *testing.T) {
	srv := testServer(t)
	owner := metadatatest.Project(t, srv.db, testSecret)
	stranger := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	org := owner.Organization
	if code := api.call("POST", "/api/0/organizations/"+org+"/teams/", `{"name":"Platform"}`, nil); code != http.StatusCreated {
		t.Fatalf("create team: %d", code)
	}
	var created projectAnswer
	if code := api.call("POST", "/api/0/teams/"+org+"/platform/projects/", `{"name":"Billing API","platform":"go","default_rules":true}`, &created); code != http.StatusCreated ||
		created.Slug != "billing-api" || created.Platform != "go" || created.Organization.Slug != org ||
		len(created.Teams) != 1 || created.Teams[0].Slug != "platform" {
		t.Fatalf("create a project through a team: %d %+v", code, created)
	}
	var teams []struct{ Slug string }
	api.get("/api/0/projects/"+org+"/billing-api/teams/", &teams)
	if len(teams) != 1 || teams[0].Slug != "platform" {
		t.Errorf("the new project's teams: %+v, want platform", teams)
	}
	var keys []struct{ Public string }
	if api.get("/api/0/projects/"+org+"/billing-api/keys/", &keys); len(keys) != 1 {
		t.Errorf("the new project's DSN keys: %+v, want its first key", keys)
	}
	for _, tc := range []struct {
		name, path, body string
		want             int
	}{
		{"a taken slug", "/api/0/teams/" + org + "/platform/projects/", `{"name":"Billing API"}`, http.StatusConflict},
		{"a taken slug, organization route", "/api/0/organizations/" + org + "/projects/", `{"name":"Other","slug":"billing-api"}`, http.StatusConflict},
		{"an unknown team", "/api/0/teams/" + org + "/nobody/projects/", `{"name":"Lost"}`, http.StatusNotFound},
		{"another organization's team route", "/api/0/teams/" + stranger.Organization + "/platform/projects/", `{"name":"Sneaky"}`, http.StatusNotFound},
		{"no name", "/api/0/teams/" + org + "/platform/projects/", `{"platform":"go"}`, http.StatusBadRequest},
		{"default_rules not a boolean", "/api/0/teams/" + org + "/platform/projects/", `{"name":"X","default_rules":"yes"}`, http.StatusBadRequest},
	} {
		if code := api.call("POST", tc.path, tc.body, nil); code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.want)
		}
	}
	if code := api.get("/api/0/projects/"+org+"/lost/", nil); code != http.StatusNotFound {
		t.Errorf("a refused project was created: %d", code)
	}
	readOnly := tokenClient(t, srv, owner.UserID, api.base, "org:read", "project:read")
	if code := readOnly.call("POST", "/api/0/teams/"+org+"/platform/projects/", `{"name":"Read Only"}`, nil); code != http.StatusForbidden {
		t.Errorf("a read-only token creating a project: %d, want 403", code)
	}

	// Every project the caller can see, with its organization, page by page.
	var all []projectAnswer
	code, link := api.getWithLink("/api/0/projects/?per_page=1", &all)
	if code != http.StatusOK || len(all) != 1 || !strings.Contains(link, `rel="next"; results="true"`) {
		t.Fatalf("GET /api/0/projects/?per_page=1: %d %+v, Link %q", code, all, link)
	}
	api.get("/api/0/projects/", &all)
	var slugs []string
	for _, p := range all {
		slugs = append(slugs, p.Organization.Slug+"/"+p.Slug)
		if p.Organization.Name == "" || p.Organization.ID == "" {
			t.Errorf("project %s without its organization: %+v", p.Slug, p.Organization)
		}
	}
	if got, want := strings.Join(slugs, " "), org+"/billing-api "+org+"/"+owner.Project; got != want {
		t.Errorf("GET /api/0/projects/: %s, want %s (not the stranger's)", got, want)
	}
	if code := tokenClient(t, srv, owner.UserID, api.base, "org:read").get("/api/0/projects/", nil); code != http.StatusForbidden {
		t.Errorf("GET /api/0/projects/ without project:read: %d, want 403", code)
	}
}

// tokenClient is an API client with a new token of the user holding scopes.
func tokenClient(t *testing.T, srv *server, userID int64, base string, scopes ...string) apiClient {
	t.Helper()
	tok, err := srv.db.CreateToken(t.Context(), userID, "scoped", scopes)
	if err != nil {
		t.Fatal(err)
	}
	return apiClient{t: t, base: base, token: tok.Token}
}

func TestManagementWrites(t *testing.T) {
	srv := testServer(t)
	ctx := context.Background()
	owner := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	org := owner.Organization
	proj := "/api/0/projects/" + org + "/" + owner.Project + "/"
	readOnly := tokenClient(t, srv, owner.UserID, api.base, "org:read", "project:read", "member:read", "event:read")

	// Organization users: the members, with their user objects.
	manager := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.AddMember(ctx, owner.OrganizationID, manager.UserID, "manager"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.db.CreateInvitation(ctx, owner.OrganizationID, owner.UserID, metadatatest.Slug("invitee")+"@example.com", "member"); err != nil {
		t.Fatal(err)
	}
	var me struct{ User struct{ Email string } }
	api.get("/api/0/", &me)
	for _, scope := range []string{"member:read", "org:read"} {
		var users []struct {
			ID, Email, Role string
			Pending         bool
			User            struct{ ID, Email string }
			Projects        []string
		}
		c := tokenClient(t, srv, owner.UserID, api.base, scope)
		if code := c.get("/api/0/organizations/"+org+"/users/", &users); code != http.StatusOK || len(users) != 2 {
			t.Fatalf("users with %s: %d %+v, want the two members (not the invitation)", scope, code, users)
		}
		for _, u := range users {
			if u.User.ID != u.ID || u.User.Email != u.Email || u.Pending || len(u.Projects) != 1 {
				t.Errorf("user %+v", u)
			}
			if u.Email == me.User.Email && u.Role != "owner" {
				t.Errorf("the owner's role: %q", u.Role)
			}
		}
	}
	if code := tokenClient(t, srv, owner.UserID, api.base, "project:read").get("/api/0/organizations/"+org+"/users/", nil); code != http.StatusForbidden {
		t.Errorf("users without member:read or org:read: %d, want 403", code)
	}

	// Project settings, Sentry's way.
	var p projectAnswer
	if code := api.call("PUT", proj, `{"resolveAge":24,"subjectPrefix":"[shop] ","options":{"sentry:scrub_data":false,"sentry:unknown":1},"isBookmarked":true}`, &p); code != http.StatusOK ||
		p.ResolveAge != 24 || p.SubjectPrefix != "[shop] " || p.Options["sentry:scrub_data"] != false || p.Options["sentry:resolve_age"] != float64(24) {
		t.Fatalf("project PUT: %d %+v", code, p)
	}
	api.get(proj, &p)
	if p.ResolveAge != 24 || p.SubjectPrefix != "[shop] " {
		t.Errorf("the settings read back: %+v", p)
	}
	if _, err := srv.db.CreateProject(ctx, metadata.NewProject{OrgID: owner.OrganizationID, Name: "Taken"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		body, field string
		want        int
	}{
		{`{"slug":"taken"}`, "slug", http.StatusConflict},
		{`{"slug":"Not A Slug"}`, "slug", http.StatusBadRequest},
		{`{"resolveAge":"24"}`, "resolveAge", http.StatusBadRequest},
		{`{"resolveAge":-1}`, "resolveAge", http.StatusBadRequest},
		{`{"name":false}`, "name", http.StatusBadRequest},
		{`{"options":{"sentry:resolve_age":"never"}}`, "options.sentry:resolve_age", http.StatusBadRequest},
	} {
		if code, detail := api.callDetail("PUT", proj, tc.body); code != tc.want || !strings.Contains(detail, tc.field) {
			t.Errorf("PUT %s: %d %q, want %d naming %s", tc.body, code, detail, tc.want, tc.field)
		}
	}
	if code := api.call("PUT", proj, `{"slug":"renamed-shop","name":"Renamed Shop"}`, &p); code != http.StatusOK || p.Slug != "renamed-shop" || p.Name != "Renamed Shop" {
		t.Fatalf("rename the project: %d %+v", code, p)
	}
	if code := api.get(proj, nil); code != http.StatusNotFound {
		t.Errorf("the old project slug: %d, want 404", code)
	}
	proj = "/api/0/projects/" + org + "/renamed-shop/"
	if code := api.get(proj, nil); code != http.StatusOK {
		t.Errorf("the new project slug: %d", code)
	}

	// A key's rate limit: set, read back, enforced at ingest, and cleared by null.
	var key struct {
		ID, Public string
		RateLimit  *struct{ Window, Count int }
	}
	if code := api.call("POST", proj+"keys/", `{"name":"limited"}`, &key); code != http.StatusCreated {
		t.Fatalf("create key: %d", code)
	}
	if code := api.call("PUT", proj+"keys/"+key.ID+"/", `{"rateLimit":{"window":3600,"count":1}}`, &key); code != http.StatusOK || key.RateLimit == nil ||
		key.RateLimit.Window != 3600 || key.RateLimit.Count != 1 {
		t.Fatalf("set the rate limit: %d %+v", code, key)
	}
	var keys []struct {
		ID        string
		RateLimit *struct{ Window, Count int }
	}
	api.get(proj+"keys/", &keys)
	if len(keys) != 2 || keys[1].RateLimit == nil || keys[1].RateLimit.Count != 1 {
		t.Errorf("keys read back: %+v", keys)
	}
	statuses := []int{}
	for range 2 {
		resp, _ := postEnvelope(t, srv.addr, owner.ProjectID, key.Public, "{}\n{\"type\":\"event\"}\n{\"message\":\"limited\"}", nil)
		statuses = append(statuses, resp.StatusCode)
	}
	if fmt.Sprint(statuses) != "[200 429]" {
		t.Errorf("two events through a key limited to 1 an hour: %v, want [200 429]", statuses)
	}
	if code := api.call("PUT", proj+"keys/"+key.ID+"/", `{"rateLimit":null}`, &key); code != http.StatusOK || key.RateLimit != nil {
		t.Errorf("clear the rate limit: %d %+v", code, key)
	}

	// Team: rename and a new slug; the old slug is gone.
	if code := api.call("POST", "/api/0/organizations/"+org+"/teams/", `{"name":"Ops"}`, nil); code != http.StatusCreated {
		t.Fatal("create team")
	}
	if code := api.call("POST", "/api/0/organizations/"+org+"/teams/", `{"name":"Web"}`, nil); code != http.StatusCreated {
		t.Fatal("create team")
	}
	var team struct{ Slug, Name string }
	if code := api.call("PUT", "/api/0/teams/"+org+"/ops/", `{"name":"Operations","slug":"operations"}`, &team); code != http.StatusOK ||
		team.Slug != "operations" || team.Name != "Operations" {
		t.Errorf("team PUT: %d %+v", code, team)
	}
	if code := api.get("/api/0/teams/"+org+"/ops/", nil); code != http.StatusNotFound {
		t.Errorf("the old team slug: %d, want 404", code)
	}
	if code := api.call("PUT", "/api/0/teams/"+org+"/operations/", `{"slug":"web"}`, nil); code != http.StatusConflict {
		t.Errorf("team PUT to a taken slug: %d, want 409", code)
	}
	// team:write: a member's role lacks it, a token without it is refused.
	member := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.AddMember(ctx, owner.OrganizationID, member.UserID, "member"); err != nil {
		t.Fatal(err)
	}
	if code := (apiClient{t: t, base: api.base, token: member.Token}).call("PUT", "/api/0/teams/"+org+"/operations/", `{"name":"Mine"}`, nil); code != http.StatusForbidden {
		t.Errorf("a member renaming a team: %d, want 403", code)
	}
	if code := tokenClient(t, srv, owner.UserID, api.base, "org:read", "project:write", "project:admin").call("PUT", "/api/0/teams/"+org+"/operations/", `{"name":"x"}`, nil); code != http.StatusForbidden {
		t.Errorf("a token without team:write renaming a team: %d, want 403", code)
	}
	if code := tokenClient(t, srv, owner.UserID, api.base, "team:write").call("PUT", "/api/0/teams/"+org+"/operations/", `{"name":"Ops Team"}`, &team); code != http.StatusOK || team.Name != "Ops Team" {
		t.Errorf("a team:write token renaming a team: %d %+v", code, team)
	}

	for _, tc := range []struct{ path, body, field string }{
		{"/api/0/teams/" + org + "/operations/", `{"name":5}`, "name"},
		{"/api/0/teams/" + org + "/operations/", `{"slug":"Not A Slug"}`, "slug"},
		{"/api/0/organizations/" + org + "/", `{"slug":["x"]}`, "slug"},
		{"/api/0/organizations/" + org + "/", `{"name":"  "}`, "name"},
	} {
		if code, detail := api.callDetail("PUT", tc.path, tc.body); code != http.StatusBadRequest || !strings.HasPrefix(detail, tc.field+":") {
			t.Errorf("PUT %s %s: %d %q, want 400 naming %s", tc.path, tc.body, code, detail, tc.field)
		}
	}

	// Writes with a read-only token.
	for _, tc := range []struct{ method, path, body string }{
		{"PUT", proj, `{"resolveAge":1}`},
		{"PUT", proj + "keys/" + key.ID + "/", `{"rateLimit":null}`},
		{"PUT", "/api/0/teams/" + org + "/operations/", `{"name":"x"}`},
		{"PUT", "/api/0/organizations/" + org + "/", `{"name":"x"}`},
		{"DELETE", "/api/0/organizations/" + org + "/", ""},
	} {
		if code := readOnly.call(tc.method, tc.path, tc.body, nil); code != http.StatusForbidden {
			t.Errorf("read-only token: %s %s = %d, want 403", tc.method, tc.path, code)
		}
	}

	// Organization: a manager renames it; only an owner deletes it.
	mgr := apiClient{t: t, base: api.base, token: manager.Token}
	newSlug := metadatatest.Slug("renamed-org")
	var o struct{ Slug, Name string }
	if code := mgr.call("PUT", "/api/0/organizations/"+org+"/", `{"name":"Renamed Org","slug":"`+newSlug+`"}`, &o); code != http.StatusOK || o.Slug != newSlug || o.Name != "Renamed Org" {
		t.Fatalf("a manager renaming the organization: %d %+v", code, o)
	}
	if code := api.get("/api/0/organizations/"+org+"/", nil); code != http.StatusNotFound {
		t.Errorf("the old organization slug: %d, want 404", code)
	}
	if code := api.call("PUT", "/api/0/organizations/"+newSlug+"/", `{"slug":"`+manager.Organization+`"}`, nil); code != http.StatusConflict {
		t.Errorf("organization PUT to a taken slug: %d, want 409", code)
	}
	if code := mgr.call("DELETE", "/api/0/organizations/"+newSlug+"/", "", nil); code != http.StatusForbidden {
		t.Errorf("a manager deleting the organization: %d, want 403", code)
	}
}

// Deleting an organization takes it out of the API at once; the purge job
// then removes its projects' events from ClickHouse.
func TestDeleteOrganizationPurges(t *testing.T) {
	srv := testServer(t)
	ctx := context.Background()
	owner := metadatatest.Project(t, srv.db, testSecret)
	other := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	otherAPI := apiClient{t: t, base: api.base, token: other.Token}
	org := owner.Organization
	second, err := srv.db.CreateProject(ctx, metadata.NewProject{OrgID: owner.OrganizationID, Name: "Second"})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := srv.db.ListKeys(ctx, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	postEvent(t, srv.addr, owner.ProjectID, owner.PublicKey, "doomed one")
	postEvent(t, srv.addr, second.ID, keys[0].PublicKey, "doomed two")
	postEvent(t, srv.addr, other.ProjectID, other.PublicKey, "survivor")
	events := func(projectID int64) uint64 {
		n, _, err := srv.store.EventCounts(ctx, uint64(projectID))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitUntil(t, func() (bool, string) {
		a, b, c := events(owner.ProjectID), events(second.ID), events(other.ProjectID)
		return a == 1 && b == 1 && c == 1, fmt.Sprintf("events %d, %d, %d", a, b, c)
	})
	if code := otherAPI.call("DELETE", "/api/0/organizations/"+org+"/", "", nil); code != http.StatusNotFound {
		t.Errorf("another organization's owner deleting it: %d, want 404", code)
	}
	var deleted struct{ Slug string }
	if code := api.call("DELETE", "/api/0/organizations/"+org+"/", "", &deleted); code != http.StatusAccepted || deleted.Slug != org {
		t.Fatalf("delete organization: %d %+v, want 202", code, deleted)
	}
	for _, path := range []string{"/api/0/organizations/" + org + "/", "/api/0/projects/" + org + "/" + owner.Project + "/",
		"/api/0/organizations/" + org + "/projects/"} {
		if code := api.get(path, nil); code != http.StatusNotFound {
			t.Errorf("GET %s after the delete: %d, want 404", path, code)
		}
	}
	var orgs []struct{ Slug string }
	if api.get("/api/0/organizations/", &orgs); len(orgs) != 0 {
		t.Errorf("organizations after the delete: %+v", orgs)
	}
	if err := srv.purger.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() (bool, string) {
		a, b := events(owner.ProjectID), events(second.ID)
		return a == 0 && b == 0, fmt.Sprintf("events of the deleted projects: %d, %d", a, b)
	})
	if n := events(other.ProjectID); n != 1 {
		t.Errorf("the other organization's events: %d, want 1", n)
	}
}

// An event found by its id, in its project and in its organization.
func TestEventByID(t *testing.T) {
	srv := testServer(t)
	owner := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	const eventID = "0123456789abcdef0123456789abcdef"
	envelope := `{"event_id":"` + eventID + `"}` + "\n" + `{"type":"event"}` + "\n" + `{"message":"look me up","level":"error"}`
	if resp, body := postEnvelope(t, srv.addr, owner.ProjectID, owner.PublicKey, envelope, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("event: %d %s", resp.StatusCode, body)
	}
	issue := waitForCount(t, api, owner.Organization, owner.Project, 1)[0]
	var ev struct {
		EventID, GroupID, ProjectID string
		Entries                     []struct{ Type string }
	}
	path := fmt.Sprintf("/api/0/projects/%s/%s/events/%s/", owner.Organization, owner.Project, eventID)
	waitUntil(t, func() (bool, string) {
		code := api.get(path, &ev)
		return code == http.StatusOK, fmt.Sprintf("GET %s: %d", path, code)
	})
	if ev.EventID != eventID || ev.GroupID != issue.ID || ev.ProjectID != fmt.Sprint(owner.ProjectID) || len(ev.Entries) == 0 {
		t.Errorf("project event: %+v (issue %s)", ev, issue.ID)
	}
	var found struct {
		OrganizationSlug, ProjectSlug, GroupID, EventID string
		Event                                           struct{ EventID, GroupID string }
	}
	if code := api.get("/api/0/organizations/"+owner.Organization+"/eventids/"+eventID+"/", &found); code != http.StatusOK ||
		found.OrganizationSlug != owner.Organization || found.ProjectSlug != owner.Project || found.GroupID != issue.ID ||
		found.EventID != eventID || found.Event.EventID != eventID || found.Event.GroupID != issue.ID {
		t.Errorf("eventids: %d %+v", code, found)
	}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/api/0/organizations/" + owner.Organization + "/eventids/" + strings.Repeat("f", 32) + "/", http.StatusNotFound},
		{"/api/0/organizations/" + owner.Organization + "/eventids/not-an-id/", http.StatusBadRequest},
		{fmt.Sprintf("/api/0/projects/%s/%s/events/%s/", owner.Organization, owner.Project, eventID[:31]+"g"), http.StatusBadRequest},
		{fmt.Sprintf("/api/0/projects/%s/%s/events/%s/", owner.Organization, owner.Project, strings.Repeat("e", 32)), http.StatusNotFound},
	} {
		if code, body := api.getRaw(tc.path); code != tc.want {
			t.Errorf("GET %s: %d %s, want %d", tc.path, code, body, tc.want)
		}
	}
	if code := tokenClient(t, srv, owner.UserID, api.base, "org:read", "project:read").get(path, nil); code != http.StatusForbidden {
		t.Errorf("an event without event:read: %d, want 403", code)
	}
}
