package frontend

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// fakeRepos keeps repositories in memory, as metadata does: names unique
// per organization ignoring case.
type fakeRepos struct {
	stored []metadata.Repository
	fail   error
}

// repoStoreWithWeb has acme/web in acme (org 1) and small/shop in small.
func repoStoreWithWeb() *fakeRepos {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	return &fakeRepos{stored: []metadata.Repository{
		{ID: 1, OrgID: 1, Name: "acme/web", URL: "https://git.example.com/acme/web", Provider: metadata.CustomProvider, CreatedAt: at},
		{ID: 2, OrgID: 2, Name: "small/shop", Provider: metadata.CustomProvider, CreatedAt: at},
	}}
}

func (f *fakeRepos) Repositories(_ context.Context, orgID int64) ([]metadata.Repository, error) {
	var out []metadata.Repository
	for _, r := range f.stored {
		if r.OrgID == orgID {
			out = append(out, r)
		}
	}
	return out, f.fail
}

func (f *fakeRepos) CreateRepository(_ context.Context, orgID int64, nr metadata.NewRepository) (metadata.Repository, error) {
	if f.fail != nil {
		return metadata.Repository{}, f.fail
	}
	for _, r := range f.stored {
		if r.OrgID == orgID && strings.EqualFold(r.Name, nr.Name) {
			return metadata.Repository{}, metadata.ErrDuplicate
		}
	}
	if nr.Provider == "" {
		nr.Provider = metadata.CustomProvider
	}
	r := metadata.Repository{ID: int64(len(f.stored) + 1), OrgID: orgID, Name: nr.Name, URL: nr.URL, Provider: nr.Provider, CreatedAt: time.Now()}
	f.stored = append(f.stored, r)
	return r, nil
}

func (f *fakeRepos) DeleteRepository(_ context.Context, orgID, id int64) error {
	for i, r := range f.stored {
		if r.OrgID == orgID && r.ID == id {
			f.stored = append(f.stored[:i], f.stored[i+1:]...)
			return nil
		}
	}
	return metadata.ErrNotFound
}

// HiddenRepositories: these tests' callers see every project.
func (f *fakeRepos) HiddenRepositories(context.Context, int64, []int64) (map[int64]bool, error) {
	return nil, nil
}

func repoApp(store *fakeRepos, scopes []string) *fiber.App {
	a := &API{access: fakeAccess{}, repos: store}
	return testApp(scopes, a.registerRepos)
}

func TestRepoHandlers(t *testing.T) {
	store := repoStoreWithWeb()
	app := repoApp(store, []string{"org:read", "org:write"})
	const repos = "/api/0/organizations/acme/repos/"

	type repoAnswer struct {
		ID, Name, Status, DateCreated string
		URL                           *string
		Provider                      struct{ ID, Name string }
	}
	list := decodeAnswer[[]repoAnswer](t, call(t, app, "GET", repos+"?cursor=", ""), 200)
	if len(list) != 1 || list[0].ID != "1" || list[0].Name != "acme/web" || list[0].Status != "active" || list[0].URL == nil ||
		list[0].Provider.ID != metadata.CustomProvider || list[0].DateCreated != "2026-11-30T12:00:00.000000Z" {
		t.Errorf("list: %+v", list)
	}
	created := decodeAnswer[repoAnswer](t, call(t, app, "POST", repos, `{"name":"acme/api","provider":null}`), 201)
	if created.Name != "acme/api" || created.URL != nil || created.Provider.ID != metadata.CustomProvider {
		t.Errorf("created: %+v", created)
	}
	if got := call(t, app, "DELETE", repos+created.ID+"/", ""); got.status != 204 {
		t.Errorf("delete: %d %s", got.status, got.body)
	}
	if len(store.stored) != 2 {
		t.Errorf("after delete: %+v", store.stored)
	}
	// A token with org:admin but not org:write may change repositories too.
	admin := repoApp(store, []string{"org:admin"})
	if got := call(t, admin, "POST", repos, `{"name":"acme/docs"}`); got.status != 201 {
		t.Errorf("create with org:admin: %d %s", got.status, got.body)
	}
}

// Every way a repositories request can fail answers its status with a
// message that says what to change, and changes nothing.
func TestRepoHandlerErrors(t *testing.T) {
	const repos = "/api/0/organizations/acme/repos/"
	cases := []struct {
		name         string
		method, path string
		body         string
		scopes       []string // org:read and org:write when nil
		fail         error
		status       int
		detail       string
	}{
		{name: "list, unknown organization", method: "GET", path: "/api/0/organizations/nope/repos/", status: 404, detail: "organization not found"},
		{name: "list without org:read", method: "GET", path: repos, scopes: []string{"project:read"}, status: 403, detail: "org:read"},
		{name: "list, bad cursor", method: "GET", path: repos + "?cursor=x", status: 400, detail: "cursor: "},
		{name: "list, PostgreSQL busy", method: "GET", path: repos, fail: metadata.ErrBusy, status: 503},
		{name: "create with read scopes only", method: "POST", path: repos, body: `{"name":"acme/api"}`, scopes: []string{"org:read", "project:releases"},
			status: 403, detail: "lacks the org:write scope"},
		{name: "create as a member", method: "POST", path: "/api/0/organizations/small/repos/", body: `{"name":"small/api"}`, status: 403,
			detail: "your role (member) does not allow org:write"},
		{name: "create, not JSON", method: "POST", path: repos, body: `{"name":`, status: 400, detail: "send a JSON body with name"},
		{name: "create, a name taken in other case", method: "POST", path: repos, body: `{"name":"ACME/web"}`, status: 409,
			detail: "organization acme already has a repository named ACME/web"},
		{name: "delete without org:write", method: "DELETE", path: repos + "1/", scopes: []string{"org:read"}, status: 403, detail: "org:write"},
		{name: "delete, not an id", method: "DELETE", path: repos + "web/", status: 404, detail: "repository not found"},
		{name: "delete, another organization's repository", method: "DELETE", path: repos + "2/", status: 404, detail: "repository not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := repoStoreWithWeb()
			store.fail = tc.fail
			scopes := tc.scopes
			if scopes == nil {
				scopes = []string{"org:read", "org:write"}
			}
			got := call(t, repoApp(store, scopes), tc.method, tc.path, tc.body)
			checkRefusal(t, tc.method, tc.path, got, tc.status, tc.detail)
			if len(store.stored) != 2 {
				t.Errorf("a refused request changed repositories: %+v", store.stored)
			}
		})
	}
}
