package frontend

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/releases"
	"github.com/faultline/faultline/frontend/releases/releasestest"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

var releaseScopes = []string{"project:releases"}

// releaseStore has web@1 of acme/web, api@1 of acme/api, and web@0.9
// named only by acme/web's events.
func releaseStore() *releasestest.Store {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	return &releasestest.Store{
		Stored: []metadata.Release{
			{ID: 1, OrgID: 1, Version: "web@1", CreatedAt: at, ProjectIDs: []int64{1}},
			{ID: 2, OrgID: 1, Version: "api@1", CreatedAt: at.Add(-time.Hour), ProjectIDs: []int64{2}},
			{ID: 3, OrgID: 2, Version: "shop@1", CreatedAt: at, ProjectIDs: []int64{5}},
		},
		Seen: []analytics.ReleaseSeen{
			{Release: "web@0.9", First: at.Add(-48 * time.Hour), Last: at.Add(-24 * time.Hour), Projects: []uint64{1}},
			{Release: "web@1", First: at.Add(time.Minute), Last: at.Add(time.Hour), Projects: []uint64{1}},
		},
		FirstReleases: map[int64][]string{1: {"web@1", "web@1", "web@0.9"}, 2: {"web@1"}},
		Files:         map[string]int{"web@1": 3},
	}
}

func releaseApp(store *releasestest.Store, scopes []string) *fiber.App {
	a := &API{access: fakeAccess{}, releases: releases.New(store, store, store), repos: repoStoreWithWeb()}
	return testApp(scopes, a.registerReleases)
}

// Every way a releases request can fail answers its status with a message
// that says what to change, and changes nothing.
func TestReleaseHandlerErrors(t *testing.T) {
	const org = "/api/0/organizations/acme/releases/"
	cases := []struct {
		name         string
		method, path string
		body         string
		scopes       []string // releaseScopes when nil
		fail         map[string]error
		status       int
		detail       string
	}{
		{name: "list, unknown organization", method: "GET", path: "/api/0/organizations/nope/releases/", status: 404, detail: "organization not found"},
		{name: "list without a release or project scope", method: "GET", path: org, scopes: []string{"event:read"}, status: 403, detail: "project:releases"},
		{name: "list, unknown project=", method: "GET", path: org + "?project=99", status: 404, detail: "project not found"},
		{name: "list, bad cursor", method: "GET", path: org + "?cursor=x", status: 400, detail: "cursor: "},
		{name: "list, ClickHouse down", method: "GET", path: org, fail: map[string]error{"ReleasesSeen": analytics.ErrUnavailable}, status: 503, detail: "ClickHouse"},
		{name: "list, PostgreSQL busy", method: "GET", path: org, fail: map[string]error{"ReleaseVersions": metadata.ErrBusy}, status: 503},
		{name: "project list, unknown project", method: "GET", path: "/api/0/projects/acme/nope/releases/", status: 404, detail: "project not found"},
		{name: "create with project:read only", method: "POST", path: org, body: `{"version":"2","projects":["web"]}`, scopes: []string{"project:read", "project:write"},
			status: 403, detail: "lacks the project:releases scope"},
		{name: "create, not JSON", method: "POST", path: org, body: `{"version":`, status: 400, detail: "send a JSON body with version and projects"},
		{name: "create without version", method: "POST", path: org, body: `{"projects":["web"]}`, status: 400, detail: "a release needs a version"},
		{name: "create, version with a slash", method: "POST", path: org, body: `{"version":"a/b","projects":["web"]}`, status: 400, detail: "cannot contain /"},
		{name: "create, version latest", method: "POST", path: org, body: `{"version":"latest","projects":["web"]}`, status: 400, detail: `cannot be "latest"`},
		{name: "create, version ..", method: "POST", path: org, body: `{"version":"..","projects":["web"]}`, status: 400, detail: `cannot be ".."`},
		{name: "create, version with a line break", method: "POST", path: org, body: `{"version":"a\nb","projects":["web"]}`, status: 400, detail: "line breaks"},
		{name: "create, version too long", method: "POST", path: org, body: `{"version":"` + strings.Repeat("v", 201) + `","projects":["web"]}`, status: 400, detail: "at most 200"},
		{name: "create without projects", method: "POST", path: org, body: `{"version":"2"}`, status: 400, detail: "projects: a new release needs at least one project"},
		{name: "create, unknown project", method: "POST", path: org, body: `{"version":"2","projects":["web","nope"]}`, status: 400,
			detail: "projects: nope is not a project of organization acme"},
		{name: "create, another organization's project", method: "POST", path: org, body: `{"version":"2","projects":[5]}`, status: 400, detail: "5 is not a project"},
		{name: "create, bad dateReleased", method: "POST", path: org, body: `{"version":"2","projects":["web"],"dateReleased":"yesterday"}`, status: 400,
			detail: "dateReleased: send an RFC 3339 time"},
		{name: "create, bad commit timestamp", method: "POST", path: org, body: `{"version":"2","projects":["web"],"commits":[{"id":"a","timestamp":"now"}]}`,
			status: 400, detail: "commits[0].timestamp"},
		{name: "create, archived", method: "POST", path: org, body: `{"version":"2","projects":["web"],"status":"archived"}`, status: 400, detail: "archiving is not supported"},
		{name: "update, ref to an unknown repository", method: "PUT", path: org + "web@1/",
			body: `{"refs":[{"repository":"acme/web","commit":"abc"},{"repository":"acme/nope","commit":"def"}]}`, status: 400,
			detail: `refs: invalid repository names: "acme/nope" (add them with POST /api/0/organizations/acme/repos/)`},
		{name: "create, ref to another organization's repository", method: "POST", path: org,
			body: `{"version":"2","projects":["web"],"refs":[{"repository":"small/shop","commit":"abc"}]}`, status: 400, detail: `"small/shop"`},
		{name: "get, unknown release", method: "GET", path: org + "9.9/", status: 404, detail: "release 9.9 not found"},
		{name: "get, another organization's release", method: "GET", path: org + "shop@1/", status: 404, detail: "not found"},
		{name: "get, encoded slash", method: "GET", path: org + "a%2Fb/", status: 400, detail: "cannot contain /"},
		{name: "project release of another project", method: "GET", path: "/api/0/projects/acme/web/releases/api@1/", status: 404, detail: "release api@1 not found"},
		{name: "update, unknown release", method: "PUT", path: org + "9.9/", body: `{"ref":"x"}`, status: 404, detail: "release 9.9 not found"},
		{name: "update, bad dateReleased", method: "PUT", path: org + "web@1/", body: `{"dateReleased":17}`, status: 400, detail: "dateReleased"},
		{name: "update without project:releases", method: "PUT", path: org + "web@1/", body: `{"ref":"x"}`, scopes: []string{"project:read"}, status: 403, detail: "project:releases"},
		{name: "delete, unknown release", method: "DELETE", path: org + "9.9/", status: 404, detail: "release 9.9 not found"},
		{name: "delete, release only events name", method: "DELETE", path: org + "web@0.9/", status: 404, detail: "not found"},
		{name: "deploy without environment", method: "POST", path: org + "web@1/deploys/", body: `{"name":"x"}`, status: 400, detail: "an environment has 1 to 64 characters"},
		{name: "deploy, environment with a slash", method: "POST", path: org + "web@1/deploys/", body: `{"environment":"a/b"}`, status: 400, detail: "no /"},
		{name: "deploy, bad dateStarted", method: "POST", path: org + "web@1/deploys/", body: `{"environment":"prod","dateStarted":"x"}`, status: 400, detail: "dateStarted"},
		{name: "deploy of an unknown release", method: "POST", path: org + "9.9/deploys/", body: `{"environment":"prod"}`, status: 404, detail: "release 9.9 not found"},
		{name: "deploys of an unknown release", method: "GET", path: org + "9.9/deploys/", status: 404, detail: "release 9.9 not found"},
		{name: "commits of an unknown release", method: "GET", path: org + "9.9/commits/", status: 404, detail: "release 9.9 not found"},
		{name: "previous with commits, PostgreSQL busy", method: "GET", path: org + "web@1/previous-with-commits/",
			fail: map[string]error{"PreviousReleaseWithCommits": metadata.ErrBusy}, status: 503},
		{name: "commits, PostgreSQL busy", method: "GET", path: org + "web@1/commits/", fail: map[string]error{"ReleaseCommits": metadata.ErrBusy}, status: 503},
		{name: "get, unexpected store error", method: "GET", path: org + "web@1/", fail: map[string]error{"Releases": errors.New("dial 10.0.0.3")}, status: 500,
			detail: "internal server error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := releaseStore()
			store.Fail = tc.fail
			scopes := tc.scopes
			if scopes == nil {
				scopes = releaseScopes
			}
			got := call(t, releaseApp(store, scopes), tc.method, tc.path, tc.body)
			checkRefusal(t, tc.method, tc.path, got, tc.status, tc.detail)
			if len(store.Stored) != 3 || len(store.DeployLists) != 0 || len(store.CommitLists) != 0 {
				t.Errorf("a refused request changed releases: %+v, deploys %v, commits %v", store.Stored, store.DeployLists, store.CommitLists)
			}
		})
	}
}

type releaseAnswer struct {
	ID           *int64
	Version      string
	ShortVersion string
	Ref, URL     *string
	DateCreated  string
	DateReleased *string
	FirstEvent   *string
	LastEvent    *string
	NewGroups    int
	CommitCount  int
	DeployCount  int
	FileCount    int
	LastDeploy   *struct{ Environment string }
	Projects     []struct {
		ID         int64
		Slug       string
		HealthData any
	}
	Status string
}

func decodeAnswer[T any](t *testing.T, got answer, status int) T {
	t.Helper()
	var out T
	if got.status != status {
		t.Fatalf("status %d, want %d: %s", got.status, status, got.body)
	}
	if err := json.Unmarshal([]byte(got.body), &out); err != nil {
		t.Fatalf("%v: %s", err, got.body)
	}
	return out
}

func TestReleaseHandlers(t *testing.T) {
	store := releaseStore()
	app := releaseApp(store, releaseScopes)
	const org = "/api/0/organizations/acme/releases/"

	created := decodeAnswer[releaseAnswer](t, call(t, app, "POST", org, `{"version":"web@2.0.0+build.1","projects":["web"],"ref":"main","url":"https://example.com"}`), 201)
	if created.ID == nil || created.ShortVersion != "2.0.0+build.1" || *created.Ref != "main" || created.DateReleased != nil || created.Status != "open" ||
		len(created.Projects) != 1 || created.Projects[0].Slug != "web" || created.Projects[0].HealthData != nil {
		t.Errorf("created: %+v", created)
	}
	// Naming no projects touches a release that exists (sentry-cli's restore).
	if got := call(t, app, "POST", org, `{"version":"web@2.0.0+build.1","projects":[],"status":"open"}`); got.status != 208 {
		t.Errorf("restore: %d %s", got.status, got.body)
	}
	// Again, with a project by id: 208, and both projects.
	again := decodeAnswer[releaseAnswer](t, call(t, app, "POST", org, `{"version":"web@2.0.0+build.1","projects":[2]}`), 208)
	if *again.ID != *created.ID || len(again.Projects) != 2 || *again.Ref != "main" {
		t.Errorf("created again: %+v", again)
	}
	path := org + "web%402.0.0%2Bbuild.1/"
	if got := call(t, app, "GET", org+"web@3/previous-with-commits/", ""); got.status != 200 || got.body != "{}" {
		t.Errorf("previous with commits, before any: %d %s", got.status, got.body)
	}
	// A ref names a repository ignoring case; the commit keeps the
	// repository's own spelling.
	got := decodeAnswer[releaseAnswer](t, call(t, app, "PUT", path, `{"refs":[{"repository":"ACME/Web","commit":"abc123","previousCommit":"0a1b2c"}],"dateReleased":"2026-12-01T10:00:00Z"}`), 200)
	if got.CommitCount != 1 || got.DateReleased == nil || *got.DateReleased != "2026-12-01T10:00:00.000000Z" {
		t.Errorf("after refs and finalize: %+v", got)
	}
	if got := call(t, app, "GET", path+"commits/", ""); got.body != `[{"id":"abc123","message":null,"dateCreated":null,"author":null,"repository":{"name":"acme/web"}}]` {
		t.Errorf("commits of refs: %d %s", got.status, got.body)
	}
	got = decodeAnswer[releaseAnswer](t, call(t, app, "PUT", path, `{"commits":[{"id":"def456","repository":"acme/web","message":"fix","author_name":"Ann",
		"author_email":"ann@example.com","timestamp":"2026-11-30T09:00:00+01:00"},{"id":"abc123"}]}`), 200)
	if got.CommitCount != 2 || got.DateReleased == nil {
		t.Errorf("after commits: %+v", got)
	}
	if got := call(t, app, "GET", path+"commits/", ""); got.body != `[{"id":"def456","message":"fix","dateCreated":"2026-11-30T08:00:00.000000Z",`+
		`"author":{"name":"Ann","email":"ann@example.com"},"repository":{"name":"acme/web"}},{"id":"abc123","message":null,"dateCreated":null,"author":null,"repository":null}]` {
		t.Errorf("commits: %d %s", got.status, got.body)
	}
	type previous struct {
		Version    string
		LastCommit struct{ ID string }
	}
	if prev := decodeAnswer[previous](t, call(t, app, "GET", org+"web@3/previous-with-commits/", ""), 200); prev.Version != "web@2.0.0+build.1" ||
		prev.LastCommit.ID != "def456" {
		t.Errorf("previous with commits: %+v", prev)
	}
	deploy := decodeAnswer[map[string]any](t, call(t, app, "POST", path+"deploys/", `{"environment":"production","name":"deploy 7","dateStarted":"2026-12-01T10:00:00Z"}`), 201)
	if deploy["environment"] != "production" || deploy["name"] != "deploy 7" || deploy["url"] != nil || deploy["dateFinished"] == "" {
		t.Errorf("deploy: %v", deploy)
	}
	if got := call(t, app, "GET", path+"deploys/", ""); got.status != 200 || !strings.Contains(got.body, `"environment":"production"`) {
		t.Errorf("deploys: %d %s", got.status, got.body)
	}
	got = decodeAnswer[releaseAnswer](t, call(t, app, "GET", path, ""), 200)
	if got.DeployCount != 1 || got.LastDeploy == nil || got.LastDeploy.Environment != "production" || got.FirstEvent != nil {
		t.Errorf("after a deploy: %+v", got)
	}

	// web@1 has events, new issues in web (2) and api (1), and files.
	web1 := decodeAnswer[releaseAnswer](t, call(t, app, "GET", org+"web@1/", ""), 200)
	if web1.FirstEvent == nil || *web1.FirstEvent != "2026-11-30T12:01:00.000000Z" || *web1.LastEvent != "2026-11-30T13:00:00.000000Z" ||
		web1.NewGroups != 3 || web1.FileCount != 3 {
		t.Errorf("web@1: %+v", web1)
	}
	if web1 := decodeAnswer[releaseAnswer](t, call(t, app, "GET", "/api/0/projects/acme/web/releases/web@1/", ""), 200); web1.NewGroups != 2 {
		t.Errorf("web@1 in web: %d new issues, want 2", web1.NewGroups)
	}

	versions := func(path string) ([]string, string) {
		got := call(t, app, "GET", path, "")
		list := decodeAnswer[[]releaseAnswer](t, got, 200)
		var out []string
		for _, r := range list {
			out = append(out, r.Version)
		}
		return out, got.header["Link"]
	}
	all, _ := versions(org)
	if strings.Join(all, " ") != "web@2.0.0+build.1 web@1 api@1 web@0.9" {
		t.Errorf("org releases: %v", all)
	}
	if web, _ := versions("/api/0/projects/acme/web/releases/?query=WEB@"); strings.Join(web, " ") != "web@2.0.0+build.1 web@1 web@0.9" {
		t.Errorf("web's releases with query WEB@: %v", web)
	}
	if api, _ := versions(org + "?project=2"); strings.Join(api, " ") != "web@2.0.0+build.1 api@1" {
		t.Errorf("org releases of project 2: %v", api)
	}
	first, link := versions(org + "?per_page=2")
	if strings.Join(first, " ") != "web@2.0.0+build.1 web@1" || !strings.Contains(link, `rel="next"; results="true"; cursor="0:2:0"`) {
		t.Errorf("first page: %v, Link %s", first, link)
	}
	second, link := versions(org + "?per_page=2&cursor=0:2:0")
	if strings.Join(second, " ") != "api@1 web@0.9" || !strings.Contains(link, `rel="next"; results="false"`) {
		t.Errorf("second page: %v, Link %s", second, link)
	}

	// A version only events name is shown, and stored when deployed.
	old := decodeAnswer[releaseAnswer](t, call(t, app, "GET", "/api/0/projects/acme/web/releases/web@0.9/", ""), 200)
	if old.ID != nil || old.DateCreated != "2026-11-28T12:00:00.000000Z" || old.NewGroups != 1 || len(old.Projects) != 1 {
		t.Errorf("web@0.9: %+v", old)
	}
	if got := call(t, app, "GET", org+"web@0.9/deploys/", ""); got.status != 200 || got.body != "[]" {
		t.Errorf("deploys of web@0.9: %d %s", got.status, got.body)
	}
	call(t, app, "POST", org+"web@0.9/deploys/", `{"environment":"staging"}`)
	if old := decodeAnswer[releaseAnswer](t, call(t, app, "GET", org+"web@0.9/", ""), 200); old.ID == nil || old.DeployCount != 1 || len(old.Projects) != 1 {
		t.Errorf("web@0.9 after a deploy: %+v", old)
	}

	if got := call(t, app, "DELETE", path, ""); got.status != 204 {
		t.Errorf("delete: %d %s", got.status, got.body)
	}
	if got := call(t, app, "GET", path, ""); got.status != 404 {
		t.Errorf("after delete: %d %s", got.status, got.body)
	}
	// A member reads with project:read alone.
	if got := call(t, releaseApp(releaseStore(), []string{"project:read"}), "GET", "/api/0/organizations/small/releases/", ""); got.status != 200 ||
		!strings.Contains(got.body, `"version":"shop@1"`) {
		t.Errorf("member with project:read: %d %s", got.status, got.body)
	}
}

// A release's projects carry the health of its sessions in the last 24
// hours, in percent; a project whose sessions never named it has none.
func TestReleaseHealthData(t *testing.T) {
	store := releaseStore()
	crashFree, users, adoption := 98.5, 99.0, 40.0
	store.Health = map[analytics.ProjectRelease]analytics.ReleaseHealthData{
		{ProjectID: 1, Release: "web@1"}: {TotalSessions: 200, SessionsErrored: 5, SessionsCrashed: 3, TotalUsers: 50, UsersCrashed: 1,
			CrashFreeSessions: &crashFree, CrashFreeUsers: &users, UsersAdoption: &adoption},
		{ProjectID: 2, Release: "web@1"}: {TotalSessions: 9}, // acme/api does not ship web@1
	}
	got := call(t, releaseApp(store, releaseScopes), "GET", "/api/0/organizations/acme/releases/", "")
	var list []struct {
		Version  string
		Projects []struct {
			Slug       string
			HealthData *struct {
				HasHealthData                               bool
				CrashFreeSessions, CrashFreeUsers, Adoption *float64
				TotalSessions, SessionsCrashed              uint64
			}
		}
	}
	if got.status != 200 || json.Unmarshal([]byte(got.body), &list) != nil {
		t.Fatalf("list: %d %s", got.status, got.body)
	}
	found := false
	for _, r := range list {
		for _, p := range r.Projects {
			h := p.HealthData
			switch {
			case r.Version == "web@1" && p.Slug == "web":
				found = true
				if h == nil || !h.HasHealthData || *h.CrashFreeSessions != 98.5 || *h.CrashFreeUsers != 99 || *h.Adoption != 40 ||
					h.TotalSessions != 200 || h.SessionsCrashed != 3 {
					t.Errorf("web@1 in web: healthData %+v", h)
				}
			case h != nil:
				t.Errorf("%s in %s: healthData %+v, want null", r.Version, p.Slug, h)
			}
		}
	}
	if !found {
		t.Errorf("web@1 of web is not listed: %+v", list)
	}
}
