package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// projectScoped is whether a documented route reaches one project's data:
// through the project in its path, an issue, an event id, a release or a
// monitor of the project.
func projectScoped(path string) bool {
	return strings.Contains(path, "{project}") || strings.HasPrefix(path, "/api/0/issues/{id}/") ||
		strings.Contains(path, "/eventids/") || strings.Contains(path, "/releases/{version}/") ||
		strings.Contains(path, "/monitors/{id}/")
}

// TestTeamAccessSweep: an admin of the same organization who is not in
// the team that owns a project answers as the owner does on every
// project-scoped route while membership is open, and 404 on all of them,
// leaking nothing, once it is closed; the organization-wide lists (issues,
// Discover, events-stats, projects, releases, monitors, users) leave the
// project's data out; the owner still sees it all.
func TestTeamAccessSweep(t *testing.T) {
	srv := testServer(t)
	ctx := t.Context()
	victim := metadatatest.Project(t, srv.db, testSecret)
	org, base := victim.Organization, "http://"+srv.addr
	owner := apiClient{t: t, base: base, token: victim.Token}
	must := func(code, want int, what string) {
		t.Helper()
		if code != want {
			t.Fatalf("%s: %d, want %d", what, code, want)
		}
	}

	// The victim project is the Victim Team's; the insider is in the
	// Insider Team, which has a project of its own.
	must(owner.call("POST", "/api/0/organizations/"+org+"/teams/", `{"name":"Victim Team"}`, nil), http.StatusCreated, "victim team")
	must(owner.call("POST", fmt.Sprintf("/api/0/projects/%s/%s/teams/victim-team/", org, victim.Project), "", nil), http.StatusCreated, "victim project's team")
	must(owner.call("POST", "/api/0/organizations/"+org+"/teams/", `{"name":"Insider Team"}`, nil), http.StatusCreated, "insider team")
	insiderProject := metadatatest.Slug("insider-app")
	must(owner.call("POST", "/api/0/teams/"+org+"/insider-team/projects/", `{"name":"Insider App","slug":"`+insiderProject+`"}`, nil),
		http.StatusCreated, "insider project")
	email := metadatatest.Slug("insider") + "@example.com"
	insiderID, err := srv.db.CreateUser(ctx, metadata.NewUser{Email: email, Password: "test-password", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.db.AddMember(ctx, victim.OrganizationID, insiderID, "admin"); err != nil {
		t.Fatal(err)
	}
	must(owner.call("POST", fmt.Sprintf("/api/0/organizations/%s/members/%d/teams/insider-team/", org, insiderID), "", nil),
		http.StatusCreated, "insider joins its team")
	tok, err := srv.db.CreateToken(ctx, insiderID, "sweep", metadata.AllScopes)
	if err != nil {
		t.Fatal(err)
	}
	insider := apiClient{t: t, base: base, token: tok.Token}
	browser := newBrowser(t, srv)
	if resp, body := browser.do("POST", "/api/0/auth/login/", `{"email":"`+email+`","password":"test-password"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("insider login: %d %s", resp.StatusCode, body)
	}

	// The victim project's data: an event with an attachment and its issue,
	// a monitor, a release, an alert rule and a comment.
	const eventID = "7a1e4f3a2b1c4d0e9f8a7b6c5d4e3f2b"
	envelope := `{"event_id":"` + eventID + `"}` + "\n" + `{"type":"event"}` + "\n" + `{"message":"victim secret message"}` + "\n" +
		`{"type":"attachment","filename":"secret.txt","length":11}` + "\n" + "top secret!" + "\n"
	if resp, body := postEnvelope(t, srv.addr, victim.ProjectID, victim.PublicKey, envelope, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("victim event: %d %s", resp.StatusCode, body)
	}
	issues := waitForCount(t, owner, org, victim.Project, 1)
	var attachments []struct{ ID string }
	waitUntil(t, func() (bool, string) {
		owner.get(fmt.Sprintf("/api/0/projects/%s/%s/events/%s/attachments/", org, victim.Project, eventID), &attachments)
		return len(attachments) == 1, fmt.Sprint("attachments ", attachments)
	})
	var keys []struct{ ID string }
	owner.get(fmt.Sprintf("/api/0/projects/%s/%s/keys/", org, victim.Project), &keys)
	var monitor struct{ ID string }
	must(owner.call("POST", "/api/0/organizations/"+org+"/monitors/",
		fmt.Sprintf(`{"monitorType":"GET","name":"Victim site","url":"https://example.com/","interval":3600,"project":%d}`, victim.ProjectID), &monitor),
		http.StatusCreated, "victim monitor")
	must(owner.call("POST", "/api/0/organizations/"+org+"/releases/", `{"version":"victim-release@1","projects":["`+victim.Project+`"]}`, nil),
		http.StatusCreated, "victim release")
	var rule struct{ ID string }
	must(owner.call("POST", fmt.Sprintf("/api/0/projects/%s/%s/alerts/", org, victim.Project),
		`{"name":"Victim alert","triggers":["new_issue"],"alertRecipients":[{"recipientType":"email","url":""}]}`, &rule), http.StatusCreated, "victim alert")
	var comment struct{ ID string }
	must(owner.call("POST", "/api/0/issues/"+issues[0].ID+"/comments/", `{"text":"victim note"}`, &comment), http.StatusCreated, "victim comment")
	// A repository the victim's release names, one no release names, and
	// a status page showing the victim's monitor.
	var victimRepo struct{ ID string }
	must(owner.call("POST", "/api/0/organizations/"+org+"/repos/", `{"name":"victim/secret-repo"}`, &victimRepo), http.StatusCreated, "victim repo")
	must(owner.call("POST", "/api/0/organizations/"+org+"/repos/", `{"name":"shared/tools"}`, nil), http.StatusCreated, "shared repo")
	must(owner.call("PUT", "/api/0/organizations/"+org+"/releases/victim-release@1/",
		`{"url":"https://victim.example/rel","refs":[{"repository":"victim/secret-repo","commit":"0123456789abcdef0123456789abcdef01234567"}]}`, nil),
		http.StatusOK, "victim release commits")
	must(owner.call("POST", "/api/0/organizations/"+org+"/status-pages/",
		`{"name":"Everything","slug":"everything","monitors":[`+monitor.ID+`]}`, nil), http.StatusCreated, "status page")

	fill := func(path string) string {
		path = strings.NewReplacer("{org}", org, "{project}", victim.Project, "{key_id}", keys[0].ID, "{event_id}", eventID,
			"{team}", "victim-team", "{version}", "victim-release@1", "{comment_id}", comment.ID).Replace(path)
		switch {
		case strings.Contains(path, "/attachments/{id}/"):
			return strings.Replace(path, "{id}", attachments[0].ID, 1)
		case strings.Contains(path, "/alerts/{id}/"):
			return strings.Replace(path, "{id}", rule.ID, 1)
		case strings.Contains(path, "/monitors/{id}/"):
			return strings.Replace(path, "{id}", monitor.ID, 1)
		}
		return strings.Replace(path, "{id}", issues[0].ID, 1)
	}
	callers := map[string]func(method, url string) (int, string){
		"token": func(method, url string) (int, string) {
			req, _ := http.NewRequest(method, base+url, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		},
		"session": func(method, url string) (int, string) {
			resp, body := browser.do(method, url, "{}", browser.csrf())
			return resp.StatusCode, body
		},
	}
	setOpen := func(open bool) {
		t.Helper()
		var out struct{ OpenMembership *bool }
		must(owner.call("PUT", "/api/0/organizations/"+org+"/", fmt.Sprintf(`{"openMembership":%v}`, open), &out), http.StatusOK, "openMembership")
		if out.OpenMembership == nil || *out.OpenMembership != open {
			t.Fatalf("the organization answers openMembership %v, want %v", out.OpenMembership, open)
		}
	}
	doc := loadOpenAPI(t)

	// Open membership (the default): the insider reads every
	// project-scoped route as the owner does.
	var got struct{ OpenMembership *bool }
	if insider.get("/api/0/organizations/"+org+"/", &got); got.OpenMembership == nil || !*got.OpenMembership {
		t.Fatalf("a new organization's openMembership: %v, want true", got.OpenMembership)
	}
	same := 0
	for path, ops := range doc.Paths {
		if !projectScoped(path) {
			continue
		}
		for method := range ops {
			if method != "get" {
				continue // writes would change the victim's objects
			}
			url := fill(path)
			code, _ := callers["token"]("GET", url)
			ownerCode, _, _ := owner.getResponse(url)
			if code != ownerCode {
				t.Errorf("open membership: GET %s: the insider gets %d, the owner %d", url, code, ownerCode)
			}
			if code, _ := callers["session"]("GET", url); code != ownerCode {
				t.Errorf("open membership: GET %s with a session: %d, the owner %d", url, code, ownerCode)
			}
			if ownerCode == http.StatusOK {
				same++
			}
		}
	}
	if same < 25 {
		t.Fatalf("only %d project-scoped reads answered 200 with open membership", same)
	}
	lists := func(open bool) {
		t.Helper()
		// Organization-wide answers, for the insider: the victim project's
		// data shows only while membership is open.
		shows := func(what, path string, needle string) {
			t.Helper()
			waitUntil(t, func() (bool, string) {
				code, body := insider.getRaw(path)
				return code == http.StatusOK && strings.Contains(string(body), needle) == open,
					fmt.Sprintf("open=%v GET %s (%s): %d %s, want %q shown=%v", open, path, what, code, body, needle, open)
			})
		}
		shows("the organization's issues", "/api/0/organizations/"+org+"/issues/?query=", `"id":"`+issues[0].ID+`"`)
		shows("the caller's projects", "/api/0/projects/", `"slug":"`+victim.Project+`"`)
		shows("the organization's projects", "/api/0/organizations/"+org+"/projects/", `"slug":"`+victim.Project+`"`)
		shows("Discover", "/api/0/organizations/"+org+"/events/?"+url.Values{"dataset": {"errors"}, "field": {"message", "title"}, "statsPeriod": {"24h"}}.Encode(),
			"victim secret message")
		shows("releases", "/api/0/organizations/"+org+"/releases/", "victim-release@1")
		shows("monitors", "/api/0/organizations/"+org+"/monitors/", "Victim site")
		shows("the members' projects", "/api/0/organizations/"+org+"/users/", `"`+victim.Project+`"`)
		shows("usage", "/api/0/organizations/"+org+"/stats_v2/?statsPeriod=24h&interval=1h", `"outcome":"accepted"`)
		// The insider's own project shows either way.
		for _, path := range []string{"/api/0/projects/", "/api/0/organizations/" + org + "/projects/"} {
			if _, body := insider.getRaw(path); !strings.Contains(string(body), `"slug":"`+insiderProject+`"`) {
				t.Errorf("open=%v GET %s leaves out the insider's own project: %s", open, path, body)
			}
		}
		var series struct{ Data [][2]json.RawMessage }
		path := "/api/0/organizations/" + org + "/events-stats/?" + url.Values{"statsPeriod": {"24h"}, "interval": {"1h"}}.Encode()
		if code := insider.get(path, &series); code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
		total := 0
		for _, point := range series.Data {
			var bucket []struct{ Count int }
			_ = json.Unmarshal(point[1], &bucket)
			if len(bucket) > 0 {
				total += bucket[0].Count
			}
		}
		if (total > 0) != open {
			t.Errorf("open=%v: events-stats counts %d events for the insider", open, total)
		}
	}
	lists(true)

	// Only owners and managers change the setting, and only to a boolean.
	if code, detail := owner.callDetail("PUT", "/api/0/organizations/"+org+"/", `{"openMembership":"no"}`); code != http.StatusBadRequest ||
		!strings.Contains(detail, "openMembership") {
		t.Errorf(`openMembership "no": %d %q, want 400 naming the field`, code, detail)
	}
	if code := insider.call("PUT", "/api/0/organizations/"+org+"/", `{"openMembership":false}`, nil); code != http.StatusForbidden {
		t.Errorf("an admin closes membership: %d, want 403", code)
	}

	// Closed membership: every project-scoped route of the victim project
	// answers the insider 404, leaking nothing.
	setOpen(false)
	secrets := []string{victim.PublicKey, "victim secret message", "top secret", victim.Project, "victim note", "Victim site", "Victim alert"}
	swept := 0
	for path, ops := range doc.Paths {
		if !projectScoped(path) {
			continue
		}
		for method, op := range ops {
			url, method := fill(path), strings.ToUpper(method)
			for who, call := range callers {
				if who == "token" && sessionOnlyOp(op.Security) {
					continue
				}
				code, body := call(method, url)
				if code != http.StatusNotFound {
					t.Errorf("closed membership: %s %s with the insider's %s: %d %s, want 404", method, url, who, code, body)
				}
				for _, s := range secrets {
					if strings.Contains(body, s) {
						t.Errorf("closed membership: %s %s with the insider's %s leaks %q", method, url, who, s)
					}
				}
			}
			swept++
		}
	}
	if swept < 40 {
		t.Fatalf("swept only %d project-scoped routes", swept)
	}
	lists(false)

	// The organization's bulk issue routes do not reach the victim's issue.
	for _, method := range []string{"PUT", "DELETE"} {
		if code := insider.call(method, "/api/0/organizations/"+org+"/issues/?id="+issues[0].ID, `{"status":"resolved"}`, nil); code != http.StatusNotFound {
			t.Errorf("closed membership: %s the organization's issues ?id= the victim's: %d, want 404", method, code)
		}
	}
	var still issueResp
	if owner.get("/api/0/issues/"+issues[0].ID+"/", &still); still.Status != "unresolved" {
		t.Errorf("the victim's issue after the insider's bulk change: %q, want unresolved", still.Status)
	}

	closedOrgWide(t, owner, insider, org, closedFixture{victimProject: victim.Project, insiderProject: insiderProject,
		monitorID: monitor.ID, victimRepoID: victimRepo.ID})

	// Nor can it put the victim's monitor on a status page it makes.
	var page struct{ Monitors []int64 }
	if code := insider.call("POST", "/api/0/organizations/"+org+"/status-pages/",
		`{"name":"Insider status","slug":"insider-status","monitors":[`+monitor.ID+`]}`, &page); code != http.StatusCreated || len(page.Monitors) != 0 {
		t.Errorf("closed membership: a status page with the victim's monitor: %d %v, want 201 without it", code, page.Monitors)
	}

	// The teams answer which of them the insider has access to.
	var teams []struct {
		Slug                string
		IsMember, HasAccess bool
	}
	insider.get("/api/0/organizations/"+org+"/teams/", &teams)
	access := map[string][2]bool{}
	for _, tm := range teams {
		access[tm.Slug] = [2]bool{tm.IsMember, tm.HasAccess}
	}
	if access["insider-team"] != [2]bool{true, true} || access["victim-team"] != [2]bool{false, false} {
		t.Errorf("closed membership: the insider's teams (isMember, hasAccess): %v", access)
	}

	// A member outside the team finds nothing either; a manager, in no
	// team at all, sees the project.
	for role, want := range map[string]int{"member": http.StatusNotFound, "manager": http.StatusOK} {
		id, err := srv.db.CreateUser(ctx, metadata.NewUser{Email: metadatatest.Slug(role) + "@example.com", Password: "test-password", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.db.AddMember(ctx, victim.OrganizationID, id, role); err != nil {
			t.Fatal(err)
		}
		tok, err := srv.db.CreateToken(ctx, id, role, metadata.AllScopes)
		if err != nil {
			t.Fatal(err)
		}
		api := apiClient{t: t, base: base, token: tok.Token}
		for _, path := range []string{fmt.Sprintf("/api/0/projects/%s/%s/", org, victim.Project), "/api/0/issues/" + issues[0].ID + "/",
			fmt.Sprintf("/api/0/projects/%s/%s/issues/?query=", org, victim.Project)} {
			if code := api.get(path, nil); code != want {
				t.Errorf("closed membership, a %s in no team: GET %s: %d, want %d", role, path, code, want)
			}
		}
	}

	// The owner still sees it all, and nothing the sweep sent changed it.
	for _, path := range []string{fmt.Sprintf("/api/0/projects/%s/%s/", org, victim.Project), "/api/0/issues/" + issues[0].ID + "/",
		fmt.Sprintf("/api/0/organizations/%s/monitors/%s/", org, monitor.ID), "/api/0/organizations/" + org + "/releases/victim-release@1/",
		fmt.Sprintf("/api/0/projects/%s/%s/keys/", org, victim.Project)} {
		if code := owner.get(path, nil); code != http.StatusOK {
			t.Errorf("the owner, membership closed: GET %s: %d", path, code)
		}
	}
	if _, body := owner.getRaw("/api/0/projects/"); !strings.Contains(string(body), `"slug":"`+victim.Project+`"`) {
		t.Error("the owner's project list leaves out the victim project")
	}
	// The insider's own project answers it, with isMember and hasAccess.
	var mine struct{ IsMember, HasAccess bool }
	if code := insider.get(fmt.Sprintf("/api/0/projects/%s/%s/", org, insiderProject), &mine); code != http.StatusOK || !mine.IsMember || !mine.HasAccess {
		t.Errorf("the insider's own project: %d %+v", code, mine)
	}
	// The owner, who made the Insider Team, leaves it: with membership
	// closed it still has access to the team's project, but is not a member.
	must(owner.call("DELETE", fmt.Sprintf("/api/0/organizations/%s/members/%d/teams/insider-team/", org, victim.UserID), "", nil),
		http.StatusNoContent, "the owner leaves the insider team")
	var theirs struct{ IsMember, HasAccess bool }
	if owner.get(fmt.Sprintf("/api/0/projects/%s/%s/", org, insiderProject), &theirs); theirs.IsMember || !theirs.HasAccess {
		t.Errorf("the owner on the insider's project: %+v, want hasAccess without isMember", theirs)
	}

	// Nor can the insider join the victim's team on its own while
	// membership is closed (its role lacks member:write).
	if code := insider.call("POST", fmt.Sprintf("/api/0/organizations/%s/members/%d/teams/victim-team/", org, insiderID), "", nil); code != http.StatusForbidden {
		t.Errorf("closed membership: the insider joins the victim's team: %d, want 403", code)
	}
	if code := insider.get(fmt.Sprintf("/api/0/projects/%s/%s/", org, victim.Project), nil); code != http.StatusNotFound {
		t.Errorf("closed membership, after trying to join: the victim project answers the insider %d", code)
	}

	// Open again: the insider reads the victim's issue again.
	setOpen(true)
	if code := insider.get("/api/0/issues/"+issues[0].ID+"/", nil); code != http.StatusOK {
		t.Errorf("membership open again: the insider reads the victim's issue: %d", code)
	}
}
