package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

type openAPIDoc struct {
	Paths map[string]map[string]struct {
		Security   []map[string][]string `json:"security"`
		Parameters []struct{ Name, In string }
	} `json:"paths"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	b, err := os.ReadFile("../../frontend/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

var fiberParam = regexp.MustCompile(`:(\w+)`)

// The OpenAPI document lists exactly the routes the server has.
func TestOpenAPIMatchesRouter(t *testing.T) {
	srv := testServer(t)
	doc := loadOpenAPI(t)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range srv.app.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/0/") || r.Method == "HEAD" || r.Path == "/api/0/openapi.json" {
			continue
		}
		served[r.Method+" "+fiberParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("routes not documented: %v\ndocumented routes not served: %v", missing, extra)
	}
	resp, err := http.Get("http://" + srv.addr + "/api/0/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /api/0/openapi.json: %d", resp.StatusCode)
	}
}

// Every documented route, called on another organization's objects with a
// full-scope token or a session of that other organization, answers 404 and
// leaks nothing; without credentials it answers 401.
func TestTenantIsolationSweep(t *testing.T) {
	srv := testServer(t)
	victim := metadatatest.Project(t, srv.db, testSecret)
	attacker := metadatatest.Project(t, srv.db, testSecret)

	// Give the victim an event with an attachment, an issue, and a second token.
	const eventID = "5a1e4f3a2b1c4d0e9f8a7b6c5d4e3f2a"
	envelope := `{"event_id":"` + eventID + `"}` + "\n" + `{"type":"event"}` + "\n" + `{"message":"victim secret message"}` + "\n" +
		`{"type":"attachment","filename":"secret.txt","length":11}` + "\n" + "top secret!" + "\n"
	if resp, body := postEnvelope(t, srv.addr, victim.ProjectID, victim.PublicKey, envelope, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("victim event: %d %s", resp.StatusCode, body)
	}
	victimAPI := apiClient{t: t, base: "http://" + srv.addr, token: victim.Token}
	issues := waitForCount(t, victimAPI, victim.Organization, victim.Project, 1)
	var attachments []struct{ ID string }
	for deadline := time.Now().Add(30 * time.Second); len(attachments) == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		victimAPI.get(fmt.Sprintf("/api/0/projects/%s/%s/events/%s/attachments/", victim.Organization, victim.Project, eventID), &attachments)
	}
	if len(attachments) != 1 {
		t.Fatal("the victim's attachment was not stored")
	}
	var keys []struct{ ID string }
	victimAPI.get(fmt.Sprintf("/api/0/projects/%s/%s/keys/", victim.Organization, victim.Project), &keys)
	if code := victimAPI.call("POST", "/api/0/organizations/"+victim.Organization+"/teams/", `{"name":"Victim Team"}`, nil); code != http.StatusCreated {
		t.Fatalf("victim team: %d", code)
	}
	victimTokens, err := srv.db.ListTokens(t.Context(), victim.UserID)
	if err != nil || len(victimTokens) == 0 {
		t.Fatalf("victim tokens: %v", err)
	}

	var monitor struct{ ID string }
	if code := victimAPI.call("POST", "/api/0/organizations/"+victim.Organization+"/monitors/",
		`{"monitorType":"GET","name":"Victim site","url":"https://example.com/","interval":3600}`, &monitor); code != http.StatusCreated {
		t.Fatalf("victim monitor: %d", code)
	}

	if code := victimAPI.call("POST", "/api/0/organizations/"+victim.Organization+"/status-pages/",
		`{"name":"Victim status","slug":"victim-status","monitors":[`+monitor.ID+`]}`, nil); code != http.StatusCreated {
		t.Fatalf("victim status page: %d", code)
	}

	var repo struct{ ID string }
	if code := victimAPI.call("POST", "/api/0/organizations/"+victim.Organization+"/repos/",
		`{"name":"victim/repo","url":"https://git.example.com/victim/repo"}`, &repo); code != http.StatusCreated {
		t.Fatalf("victim repository: %d", code)
	}
	if code := victimAPI.call("POST", "/api/0/organizations/"+victim.Organization+"/releases/",
		`{"version":"victim-release@1","projects":["`+victim.Project+`"],"refs":[{"repository":"victim/repo","commit":"5ec7e7"}]}`, nil); code != http.StatusCreated {
		t.Fatalf("victim release: %d", code)
	}
	if code := victimAPI.call("POST", "/api/0/organizations/"+victim.Organization+"/releases/victim-release@1/deploys/",
		`{"environment":"victim-env"}`, nil); code != http.StatusCreated {
		t.Fatalf("victim deploy: %d", code)
	}

	var rule struct{ ID string }
	if code := victimAPI.call("POST", fmt.Sprintf("/api/0/projects/%s/%s/alerts/", victim.Organization, victim.Project),
		`{"name":"Victim alert","triggers":["new_issue"],"alertRecipients":[{"recipientType":"email","url":""}]}`, &rule); code != http.StatusCreated {
		t.Fatalf("victim alert: %d", code)
	}

	var comment struct{ ID string }
	if code := victimAPI.call("POST", "/api/0/issues/"+issues[0].ID+"/comments/", `{"text":"victim note"}`, &comment); code != http.StatusCreated {
		t.Fatalf("victim comment: %d", code)
	}

	// A security key of the victim's account (the row alone: the sweep
	// only tries to remove it).
	victimKey, _, err := srv.db.AddSecurityKey(t.Context(), victim.UserID, metadata.SecurityKey{CredentialID: []byte(metadatatest.Slug("cred")),
		PublicKey: []byte("key"), Name: "victim key", Record: []byte("{}")}, nil)
	if err != nil {
		t.Fatalf("victim security key: %v", err)
	}

	fill := func(path string) string {
		path = strings.NewReplacer("{org}", victim.Organization, "{project}", victim.Project, "{key_id}", keys[0].ID,
			"{event_id}", eventID, "{team}", "victim-team", "{slug}", "victim-status", "{member_id}", fmt.Sprint(victim.UserID),
			"{version}", "victim-release@1", "{repo_id}", repo.ID).Replace(path)
		switch {
		case strings.Contains(path, "/attachments/{id}/"):
			return strings.Replace(path, "{id}", attachments[0].ID, 1)
		case strings.Contains(path, "/alerts/{id}/"):
			return strings.Replace(path, "{id}", rule.ID, 1)
		case strings.Contains(path, "/monitors/{id}/"):
			return strings.Replace(path, "{id}", monitor.ID, 1)
		case strings.HasPrefix(path, "/api/0/users/me/webauthn/"):
			return strings.Replace(path, "{id}", fmt.Sprint(victimKey.ID), 1)
		case strings.HasPrefix(path, "/api/0/api-tokens/"):
			return strings.Replace(path, "{id}", fmt.Sprint(victimTokens[0].ID), 1)
		case strings.Contains(path, "{comment_id}"):
			path = strings.Replace(path, "{comment_id}", comment.ID, 1)
		}
		return strings.Replace(path, "{id}", issues[0].ID, 1)
	}
	secrets := []string{victim.PublicKey, "victim secret message", "top secret", victim.Project, "victim/repo", "victim-env", "victim note"}

	attackerBrowser := newBrowser(t, srv)
	var me struct{ User struct{ Email string } }
	attackerAPI := apiClient{t: t, base: "http://" + srv.addr, token: attacker.Token}
	attackerAPI.get("/api/0/", &me)
	if resp, _ := attackerBrowser.do("POST", "/api/0/auth/login/", `{"email":"`+me.User.Email+`","password":"test-password"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatal("attacker login failed")
	}

	doc := loadOpenAPI(t)
	swept := 0
	for path, ops := range doc.Paths {
		if !strings.Contains(path, "{") || strings.Contains(path, "{token}") || strings.Contains(path, "{endpoint_id}") ||
			strings.HasPrefix(path, "/api/0/status-pages/") || strings.HasPrefix(path, "/api/0/shared/") ||
			strings.HasPrefix(path, "/api/0/auth/") {
			// Per-user routes hold nothing of another organization; an
			// invitation token and a heartbeat endpoint are secrets, not
			// objects to sweep, and status pages, shared issues and the
			// sign-in routes (login, single sign-on providers and links)
			// are public by design (their own tests check them).
			continue
		}
		for method, op := range ops {
			url := fill(path)
			method = strings.ToUpper(method)
			withToken := func() (int, string) {
				req, _ := http.NewRequest(method, "http://"+srv.addr+url, strings.NewReader("{}"))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+attacker.Token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			cases := map[string]func() (int, string){
				"session": func() (int, string) {
					resp, body := attackerBrowser.do(method, url, "{}", attackerBrowser.csrf())
					return resp.StatusCode, body
				},
			}
			if !sessionOnlyOp(op.Security) {
				cases["token"] = withToken
			}
			for who, call := range cases {
				code, body := call()
				if code != http.StatusNotFound {
					t.Errorf("%s %s with the other organization's %s: %d %s, want 404", method, url, who, code, body)
				}
				for _, s := range secrets {
					if strings.Contains(body, s) {
						t.Errorf("%s %s with the other organization's %s leaks %q", method, url, who, s)
					}
				}
			}
			req, _ := http.NewRequest(method, "http://"+srv.addr+url, strings.NewReader("{}"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s without credentials: %d, want 401", method, url, resp.StatusCode)
			}
			swept++
		}
	}
	if swept < 15 {
		t.Fatalf("swept only %d routes", swept)
	}
	// The victim's objects are all still there.
	if code := victimAPI.get("/api/0/issues/"+issues[0].ID+"/", nil); code != http.StatusOK {
		t.Errorf("victim's issue after the sweep: %d", code)
	}
	if keys, err := srv.db.SecurityKeys(t.Context(), victim.UserID); err != nil || len(keys) != 1 {
		t.Errorf("victim's security keys after the sweep: %d (%v)", len(keys), err)
	}
	var repos []struct{ ID string }
	if victimAPI.get("/api/0/organizations/"+victim.Organization+"/repos/", &repos); len(repos) != 1 || repos[0].ID != repo.ID {
		t.Errorf("victim's repositories after the sweep: %+v", repos)
	}
}

func sessionOnlyOp(security []map[string][]string) bool {
	return len(security) == 1 && security[0]["session"] != nil
}
