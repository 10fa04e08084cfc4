package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// TestSentryCLIBrowsesAndTriages drives the unmodified sentry-cli's
// read-and-triage commands (info, organizations, projects, repos, monitors
// and issues, with their bulk updates by id, by status and --all) against one
// server holding real events, and checks each command's exit code, its
// printed table and, for updates, the issues' status through the API.
func TestSentryCLIBrowsesAndTriages(t *testing.T) {
	bin := setCommitsCLI(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	org := proj.Organization

	if code := api.call("POST", "/api/0/organizations/"+org+"/repos/",
		`{"name":"acme/checkout","url":"https://git.example.com/acme/checkout"}`, nil); code != http.StatusCreated {
		t.Fatalf("repository: %d", code)
	}
	if code := api.call("POST", "/api/0/organizations/"+org+"/monitors/",
		`{"monitorType":"Heartbeat","name":"nightly checkout export","interval":86400}`, nil); code != http.StatusCreated {
		t.Fatalf("monitor: %d", code)
	}
	var me struct {
		User struct{ Email string } `json:"user"`
	}
	if code := api.get("/api/0/", &me); code != http.StatusOK || me.User.Email == "" {
		t.Fatalf("GET /api/0/: %d %+v", code, me)
	}
	titles := []string{"cli alpha checkout failed", "cli beta payment refused", "cli gamma cart lost"}
	for _, title := range titles {
		postEvent(t, srv.addr, proj.ProjectID, proj.PublicKey, title)
	}
	issueID := map[string]string{} // title → id
	for _, is := range waitForCount(t, api, org, proj.Project, len(titles)) {
		issueID[is.Title] = is.ID
	}
	if len(issueID) != len(titles) {
		t.Fatalf("issues %v, want one for each of %v", issueID, titles)
	}
	alpha, beta, gamma := issueID[titles[0]], issueID[titles[1]], issueID[titles[2]]

	scopes := []string{"org:read", "project:read", "event:read", "event:write"}
	tok, err := srv.db.CreateToken(context.Background(), proj.UserID, "sentry-cli triage", scopes)
	if err != nil {
		t.Fatal(err)
	}
	cli := sentryCLI{bin: bin, env: append(os.Environ(),
		"HOME="+t.TempDir(), "SENTRY_URL=http://"+srv.addr+"/", "SENTRY_AUTH_TOKEN="+tok.Token,
		"SENTRY_ORG="+org, "SENTRY_PROJECT="+proj.Project,
		"SENTRYCLI_SKIP_DOWNLOAD=1", "SENTRY_DISABLE_UPDATE_CHECK=true")}

	// statuses reads every issue's status through the API, by id.
	statuses := func(t *testing.T) map[string]string {
		t.Helper()
		got := map[string]string{}
		for _, id := range []string{alpha, beta, gamma} {
			var is issueResp
			if code := api.on(t).get("/api/0/issues/"+id+"/", &is); code != http.StatusOK {
				t.Fatalf("GET issue %s: %d", id, code)
			}
			got[id] = is.Status
		}
		return got
	}
	wantStatuses := func(t *testing.T, want map[string]string) {
		t.Helper()
		if got := statuses(t); !maps.Equal(got, want) {
			t.Errorf("statuses %v, want %v (alpha %s, beta %s, gamma %s)", got, want, alpha, beta, gamma)
		}
	}
	// listed runs `issues list` with args and returns the issue ids of its
	// table with their status column.
	rowRE := regexp.MustCompile(`(?m)^\|\s*(\d+)\s*\|\s*(\S+)\s*\|(.*?)\|\s*(\S+)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|$`)
	listed := func(t *testing.T, args ...string) map[string]string {
		t.Helper()
		out := cli.must(t, "", append([]string{"issues", "list"}, args...)...)
		got := map[string]string{}
		for _, m := range rowRE.FindAllStringSubmatch(out, -1) {
			got[m[1]] = m[5]
		}
		if len(got) == 0 && !strings.Contains(out, "No issues found") {
			t.Errorf("issues list %v printed neither rows nor \"No issues found\":\n%s", args, out)
		}
		return got
	}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"info", func(t *testing.T) {
			out := cli.must(t, "", "info")
			for _, want := range []string{
				"Sentry Server: http://" + srv.addr, "Default Organization: " + org,
				"Default Project: " + proj.Project, "Method: Auth Token", "User: " + me.User.Email,
			} {
				if !strings.Contains(out, want) {
					t.Errorf("info does not say %q:\n%s", want, out)
				}
			}
			var printed []string
			for _, line := range strings.Split(out, "\n") {
				if s, ok := strings.CutPrefix(line, "    - "); ok {
					printed = append(printed, s)
				}
			}
			slices.Sort(printed)
			if want := slices.Sorted(slices.Values(scopes)); !slices.Equal(printed, want) {
				t.Errorf("info lists scopes %v, want %v:\n%s", printed, want, out)
			}
			// --config-status-json asks the server whether the token works.
			if out := cli.must(t, "", "info", "--config-status-json"); !strings.Contains(out, `"successful": true`) {
				t.Errorf("info --config-status-json:\n%s", out)
			}
		}},
		{"organizations list", func(t *testing.T) {
			out := cli.must(t, "", "organizations", "list")
			if !strings.Contains(out, "| "+org+" ") || !strings.Contains(out, "Requires 2FA") {
				t.Errorf("organizations list does not show %s:\n%s", org, out)
			}
		}},
		{"projects list", func(t *testing.T) {
			out := cli.must(t, "", "projects", "list", "--org", org)
			if !strings.Contains(out, "| "+proj.Project+" ") || !strings.Contains(out, fmt.Sprintf("| %d ", proj.ProjectID)) {
				t.Errorf("projects list does not show %s (%d):\n%s", proj.Project, proj.ProjectID, out)
			}
		}},
		{"repos list", func(t *testing.T) {
			out := cli.must(t, "", "repos", "list")
			if !strings.Contains(out, "acme/checkout") || !strings.Contains(out, "https://git.example.com/acme/checkout") {
				t.Errorf("repos list does not show acme/checkout:\n%s", out)
			}
		}},
		{"monitors list", func(t *testing.T) {
			out := cli.must(t, "", "monitors", "list")
			if !strings.Contains(out, "nightly checkout export") || !strings.Contains(out, "| active ") {
				t.Errorf("monitors list does not show the active monitor:\n%s", out)
			}
		}},
		{"issues list", func(t *testing.T) {
			out := cli.must(t, "", "issues", "list")
			for _, title := range titles {
				if !strings.Contains(out, title) {
					t.Errorf("issues list does not show %q:\n%s", title, out)
				}
			}
			if got := listed(t); !maps.Equal(got, map[string]string{alpha: "unresolved", beta: "unresolved", gamma: "unresolved"}) {
				t.Errorf("issues list: %v", got)
			}
			if got := listed(t, "--query", "beta payment"); !maps.Equal(got, map[string]string{beta: "unresolved"}) {
				t.Errorf("issues list --query 'beta payment': %v, want only %s", got, beta)
			}
			if got := listed(t, "--query", "is:resolved"); len(got) != 0 {
				t.Errorf("issues list --query is:resolved before any is resolved: %v", got)
			}
			if got := listed(t, "--max-rows", "1"); len(got) != 1 {
				t.Errorf("issues list --max-rows 1: %v", got)
			}
		}},
		{"issues resolve -i", func(t *testing.T) {
			out := cli.must(t, "", "issues", "resolve", "-i", alpha)
			if !strings.Contains(out, "new status: resolved") {
				t.Errorf("issues resolve:\n%s", out)
			}
			wantStatuses(t, map[string]string{alpha: "resolved", beta: "unresolved", gamma: "unresolved"})
			if got := listed(t, "--query", "is:resolved"); !maps.Equal(got, map[string]string{alpha: "resolved"}) {
				t.Errorf("issues list --query is:resolved: %v", got)
			}
		}},
		{"issues list without --query lists every status", func(t *testing.T) {
			// sentry-cli sends query= empty: Sentry filters nothing then.
			if got := listed(t); !maps.Equal(got, map[string]string{alpha: "resolved", beta: "unresolved", gamma: "unresolved"}) {
				t.Errorf("issues list: %v", got)
			}
		}},
		{"issues mute -i twice", func(t *testing.T) {
			out := cli.must(t, "", "issues", "mute", "-i", beta, "-i", gamma)
			if !strings.Contains(out, "new status: muted") {
				t.Errorf("issues mute:\n%s", out)
			}
			wantStatuses(t, map[string]string{alpha: "resolved", beta: "ignored", gamma: "ignored"})
			if got := listed(t, "--query", "is:ignored"); !maps.Equal(got, map[string]string{beta: "ignored", gamma: "ignored"}) {
				t.Errorf("issues list --query is:ignored: %v", got)
			}
			if got := listed(t, "--query", "is:unresolved"); len(got) != 0 {
				t.Errorf("issues list --query is:unresolved: %v", got)
			}
		}},
		{"issues unresolve --status muted", func(t *testing.T) {
			cli.must(t, "", "issues", "unresolve", "--status", "muted")
			wantStatuses(t, map[string]string{alpha: "resolved", beta: "unresolved", gamma: "unresolved"})
		}},
		{"issues mute --status resolved", func(t *testing.T) {
			cli.must(t, "", "issues", "mute", "--status", "resolved")
			wantStatuses(t, map[string]string{alpha: "ignored", beta: "unresolved", gamma: "unresolved"})
		}},
		{"issues resolve --all takes the unresolved ones", func(t *testing.T) {
			// As in Sentry, a bulk change without ids or query= works on
			// what the list shows by default: the unresolved issues.
			cli.must(t, "", "issues", "resolve", "--all")
			wantStatuses(t, map[string]string{alpha: "ignored", beta: "resolved", gamma: "resolved"})
			if got := listed(t, "--query", "is:resolved"); !maps.Equal(got, map[string]string{beta: "resolved", gamma: "resolved"}) {
				t.Errorf("issues list --query is:resolved after --all: %v", got)
			}
		}},
		{"issues unresolve --all with none unresolved", func(t *testing.T) {
			cli.must(t, "", "issues", "unresolve", "--all")
			wantStatuses(t, map[string]string{alpha: "ignored", beta: "resolved", gamma: "resolved"})
		}},
		{"issues unresolve --status resolved", func(t *testing.T) {
			cli.must(t, "", "issues", "unresolve", "--status", "resolved")
			wantStatuses(t, map[string]string{alpha: "ignored", beta: "unresolved", gamma: "unresolved"})
		}},
		{"issues unresolve -i", func(t *testing.T) {
			cli.must(t, "", "issues", "unresolve", "-i", alpha)
			wantStatuses(t, map[string]string{alpha: "unresolved", beta: "unresolved", gamma: "unresolved"})
		}},
		{"issues resolve --next-release -i", func(t *testing.T) {
			out := cli.must(t, "", "issues", "resolve", "--next-release", "-i", alpha)
			if !strings.Contains(out, "new status: resolvedInNextRelease") {
				t.Errorf("issues resolve --next-release:\n%s", out)
			}
			wantStatuses(t, map[string]string{alpha: "resolved", beta: "unresolved", gamma: "unresolved"})
		}},
		{"issues mute --all", func(t *testing.T) {
			cli.must(t, "", "issues", "mute", "--all")
			wantStatuses(t, map[string]string{alpha: "resolved", beta: "ignored", gamma: "ignored"})
		}},
		{"issues resolve --status unresolved with none unresolved", func(t *testing.T) {
			cli.must(t, "", "issues", "resolve", "--status", "unresolved")
			wantStatuses(t, map[string]string{alpha: "resolved", beta: "ignored", gamma: "ignored"})
		}},
		{"issues resolve with no selection changes nothing", func(t *testing.T) {
			out := cli.must(t, "", "issues", "resolve")
			if !strings.Contains(out, "No changes requested") {
				t.Errorf("issues resolve without a selection:\n%s", out)
			}
			wantStatuses(t, map[string]string{alpha: "resolved", beta: "ignored", gamma: "ignored"})
		}},
		{"issues list follows the cursor past a page", func(t *testing.T) {
			// 27 more issues make 30: two of Faultline's (and Sentry's)
			// 25-issue pages, which sentry-cli joins by the Link header.
			// Words, not numbers: grouping treats numbers in a message
			// as parameters.
			words := strings.Fields("oak ash elm yew fir pine teak lime palm birch cedar maple hazel alder " +
				"rowan holly olive larch aspen beech willow poplar spruce cherry walnut juniper cypress")
			for _, w := range words {
				postEvent(t, srv.addr, proj.ProjectID, proj.PublicKey, "cli page filler "+w)
			}
			waitUntil(t, func() (bool, string) {
				var all []issueResp
				api.on(t).get("/api/0/projects/"+org+"/"+proj.Project+"/issues/?query=&limit=100", &all)
				return len(all) == 30, fmt.Sprintf("%d issues, want 30", len(all))
			})
			if got := listed(t); len(got) != 30 {
				t.Errorf("issues list: %d issues, want all 30", len(got))
			}
			if got := listed(t, "--pages", "1"); len(got) != 25 {
				t.Errorf("issues list --pages 1: %d issues, want one page of 25", len(got))
			}
			if got := listed(t, "--query", "filler", "--max-rows", "5"); len(got) != 5 {
				t.Errorf("issues list --query filler --max-rows 5: %d issues", len(got))
			}
		}},
		{"issues resolve of another organization's issue", func(t *testing.T) {
			other := metadatatest.Project(t, srv.db, testSecret)
			postEvent(t, srv.addr, other.ProjectID, other.PublicKey, "cli other org failure")
			otherIssues := waitForCount(t, apiClient{t: t, base: api.base, token: other.Token}, other.Organization, other.Project, 1)
			// The id names no issue of this project: a 404, and no change.
			if out, log, err := cli.run("", "issues", "resolve", "-i", otherIssues[0].ID); err == nil {
				t.Errorf("resolve of another organization's issue exits 0:\n%s%s", out, exchanges(log))
			}
			var is issueResp
			apiClient{t: t, base: api.base, token: other.Token}.get("/api/0/issues/"+otherIssues[0].ID+"/", &is)
			if is.Status != "unresolved" {
				t.Errorf("another organization's issue became %q through this token", is.Status)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return // later steps build on this one's state
		}
	}
}
