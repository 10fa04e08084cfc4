package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// call sends a JSON request with a bearer token and decodes the answer.
func (c apiClient) call(method, path, body string, out any) int {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

func TestManagementAPI(t *testing.T) {
	srv := testServer(t)
	ctx := context.Background()
	owner := metadatatest.Project(t, srv.db, testSecret)
	full := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	org := "/api/0/organizations/" + owner.Organization

	// Projects: create (slug from the name), refuse a duplicate.
	var created struct {
		ID, Slug, Name, Platform string
	}
	if code := full.call("POST", org+"/projects/", `{"name":"Mobile App","platform":"android"}`, &created); code != http.StatusCreated || created.Slug != "mobile-app" {
		t.Fatalf("create project: %d %+v", code, created)
	}
	if code := full.call("POST", org+"/projects/", `{"name":"Mobile App"}`, nil); code != http.StatusConflict {
		t.Errorf("duplicate project slug: %d, want 409", code)
	}
	var projects []struct{ Slug string }
	full.call("GET", org+"/projects/", "", &projects)
	if len(projects) != 2 {
		t.Errorf("projects %+v, want 2", projects)
	}
	proj := "/api/0/projects/" + owner.Organization + "/mobile-app"

	// Settings.
	var settings struct {
		AllowedDomains []string `json:"allowedDomains"`
		ScrubData      bool     `json:"scrubData"`
	}
	full.call("PUT", proj+"/", `{"allowedDomains":["*.example.com"],"scrubData":false}`, &settings)
	if fmt.Sprint(settings.AllowedDomains) != "[*.example.com]" || settings.ScrubData {
		t.Errorf("settings after PUT: %+v", settings)
	}

	// DSN keys: the project's first key, a second one, disable it.
	type key struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		Public    string `json:"public"`
		IsActive  bool   `json:"isActive"`
		RateLimit *struct{ Window, Count int }
		DSN       struct{ Public string }
	}
	var keys []key
	full.call("GET", proj+"/keys/", "", &keys)
	if len(keys) != 1 || !strings.Contains(keys[0].DSN.Public, keys[0].Public+"@") || !strings.HasSuffix(keys[0].DSN.Public, "/"+created.ID) {
		t.Fatalf("keys %+v", keys)
	}
	var second key
	if code := full.call("POST", proj+"/keys/", `{"name":"CI"}`, &second); code != http.StatusCreated || second.Name != "CI" {
		t.Fatalf("create key: %d %+v", code, second)
	}
	full.call("PUT", proj+"/keys/"+second.ID+"/", `{"isActive":false,"rateLimit":{"window":60,"count":100}}`, &second)
	if second.IsActive || second.RateLimit == nil || second.RateLimit.Count != 100 {
		t.Errorf("key after PUT: %+v", second)
	}
	resp, _ := postEnvelope(t, srv.addr, mustAtoi(created.ID), second.Public, "{}\n{\"type\":\"event\"}\n{\"message\":\"x\"}", nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("event with the disabled key: %d, want 403", resp.StatusCode)
	}

	// A read-only token, minted from a session, can read and nothing more.
	b := newBrowser(t, srv)
	var me struct{ User struct{ Email string } }
	if resp, body := b.do("GET", "/api/0/", "", map[string]string{"Authorization": "Bearer " + owner.Token}); resp.StatusCode != http.StatusOK {
		t.Fatalf("whoami: %d %s", resp.StatusCode, body)
	} else {
		_ = json.Unmarshal([]byte(body), &me)
	}
	if resp, body := b.do("POST", "/api/0/auth/login/", `{"email":"`+me.User.Email+`","password":"test-password"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	resp, body := b.do("POST", "/api/0/api-tokens/", `{"name":"read only","scopes":["org:read","project:read"]}`, b.csrf())
	var minted struct{ Token, ID string }
	_ = json.Unmarshal([]byte(body), &minted)
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(minted.Token, "flt_") {
		t.Fatalf("mint token: %d %s", resp.StatusCode, body)
	}
	if resp, body := b.do("POST", "/api/0/api-tokens/", `{"name":"bad","scopes":["root:all"]}`, b.csrf()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("token with an unknown scope: %d %s", resp.StatusCode, body)
	}
	ro := apiClient{t: t, base: full.base, token: minted.Token}
	if code := ro.call("GET", proj+"/", "", nil); code != http.StatusOK {
		t.Errorf("read-only token reading a project: %d", code)
	}
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/api/0/api-tokens/", `{"name":"escalate","scopes":["org:admin"]}`},
		{"GET", "/api/0/api-tokens/", ""},
		{"POST", "/api/0/organizations/", `{"name":"Another"}`},
		{"PUT", proj + "/", `{"name":"renamed"}`},
		{"DELETE", proj + "/", ""},
		{"GET", "/api/0/projects/" + owner.Organization + "/" + owner.Project + "/issues/", ""}, // no event:read
	} {
		if code := ro.call(tc.method, tc.path, tc.body, nil); code != http.StatusForbidden {
			t.Errorf("read-only token: %s %s = %d, want 403", tc.method, tc.path, code)
		}
	}
	if resp, _ := b.do("DELETE", "/api/0/api-tokens/"+minted.ID+"/", "", b.csrf()); resp.StatusCode != http.StatusNoContent {
		t.Errorf("revoke token: %d", resp.StatusCode)
	}
	if code := ro.call("GET", proj+"/", "", nil); code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", code)
	}

	// A member may read but not manage projects, whatever their token says.
	member := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.AddMember(ctx, owner.OrganizationID, member.UserID, "member"); err != nil {
		t.Fatal(err)
	}
	mem := apiClient{t: t, base: full.base, token: member.Token}
	if code := mem.call("GET", proj+"/keys/", "", nil); code != http.StatusOK {
		t.Errorf("member reading keys: %d", code)
	}
	if code := mem.call("POST", org+"/projects/", `{"name":"Sneaky"}`, nil); code != http.StatusForbidden {
		t.Errorf("member creating a project: %d, want 403", code)
	}

	// Deleting a project; its ClickHouse rows go in the background.
	postEvent(t, srv.addr, mustAtoi(created.ID), keys[0].Public, "soon gone")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if n, _, _ := srv.store.EventCounts(ctx, uint64(mustAtoi(created.ID))); n == 1 {
			break
		} else if time.Now().After(deadline) {
			t.Fatal("the event was not stored")
		}
	}
	if code := full.call("DELETE", proj+"/keys/"+second.ID+"/", "", nil); code != http.StatusNoContent {
		t.Errorf("delete key: %d", code)
	}
	if code := full.call("DELETE", proj+"/", "", nil); code != http.StatusNoContent {
		t.Errorf("delete project: %d", code)
	}
	if code := full.call("GET", proj+"/", "", nil); code != http.StatusNotFound {
		t.Errorf("deleted project: %d, want 404", code)
	}
	if err := srv.purger.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		n, _, err := srv.store.EventCounts(ctx, uint64(mustAtoi(created.ID)))
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events of the deleted project still in ClickHouse after 30 s", n)
		}
	}
}

func mustAtoi(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}
