package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// closedFixture names what TestTeamAccessSweep made for closedOrgWide.
type closedFixture struct {
	victimProject, insiderProject string
	monitorID, victimRepoID       string
}

// closedOrgWide checks, membership closed, the organization-wide objects
// that carry another team's projects: releases (creating a version only
// the victim project has answers as if it did not exist, and changes
// nothing), repositories (only the victim's releases name one), quotas
// (this month's usage) and status pages (their monitor ids).
func closedOrgWide(t *testing.T, owner, insider apiClient, org string, f closedFixture) {
	t.Helper()
	orgPath := "/api/0/organizations/" + org + "/"

	// Releases.
	var created map[string]any
	code, raw := insider.send("POST", orgPath+"releases/", `{"version":"victim-release@1","projects":["`+f.insiderProject+`"]}`)
	body := string(raw)
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &created) != nil || created["version"] != "victim-release@1" {
		t.Errorf("closed membership: the insider creates the victim's release version: %d %s, want 201 as for a new one", code, body)
	}
	for _, leak := range []string{f.victimProject, "victim.example", "0123456789abcdef"} {
		if strings.Contains(body, leak) {
			t.Errorf("closed membership: creating the victim's release version leaks %q: %s", leak, body)
		}
	}
	var rel struct {
		URL      string
		Projects []struct{ Slug string }
	}
	owner.get(orgPath+"releases/victim-release@1/", &rel)
	if len(rel.Projects) != 1 || rel.Projects[0].Slug != f.victimProject || rel.URL != "https://victim.example/rel" {
		t.Errorf("closed membership: the victim's release after the insider created its version: %+v, want it unchanged", rel)
	}
	if code := insider.get(orgPath+"releases/victim-release@1/", nil); code != http.StatusNotFound {
		t.Errorf("closed membership: the insider reads the victim's release after creating its version: %d, want 404", code)
	}

	// Repositories.
	var repos []struct{ ID, Name string }
	insider.get(orgPath+"repos/", &repos)
	names := []string{}
	for _, r := range repos {
		names = append(names, r.Name)
	}
	if slices.Contains(names, "victim/secret-repo") || !slices.Contains(names, "shared/tools") {
		t.Errorf("closed membership: the insider's repositories: %v, want shared/tools without victim/secret-repo", names)
	}
	// Changing repositories takes org:write, which only owners and
	// managers have, and they see every project.
	if code := insider.call("DELETE", orgPath+"repos/"+f.victimRepoID+"/", "", nil); code != http.StatusForbidden {
		t.Errorf("closed membership: the insider deletes the victim's repository: %d, want 403", code)
	}
	owner.get(orgPath+"repos/", &repos)
	if !slices.ContainsFunc(repos, func(r struct{ ID, Name string }) bool { return r.Name == "victim/secret-repo" }) {
		t.Errorf("the owner's repositories lack the victim's: %v", repos)
	}

	// Quotas: this month's usage counts the projects the caller sees.
	var quotas struct{ UsedThisMonth map[string]int }
	owner.get(orgPath+"quotas/", &quotas)
	if quotas.UsedThisMonth["error"] == 0 {
		t.Fatalf("the owner's usage counts no error: %+v", quotas)
	}
	quotas.UsedThisMonth = nil
	insider.get(orgPath+"quotas/", &quotas)
	if quotas.UsedThisMonth["error"] != 0 {
		t.Errorf("closed membership: the insider's usage counts the victim's errors: %+v", quotas.UsedThisMonth)
	}

	// Status pages: the victim's monitor is left out of the answers, and
	// stays on the page when the insider saves it without it.
	pageMonitors := func(api apiClient) []int64 {
		var pages []struct {
			Slug     string
			Monitors []int64
		}
		api.get(orgPath+"status-pages/", &pages)
		for _, p := range pages {
			if p.Slug == "everything" {
				return p.Monitors
			}
		}
		t.Fatalf("no status page everything: %+v", pages)
		return nil
	}
	monitorID, _ := strconv.ParseInt(f.monitorID, 10, 64)
	if ids := pageMonitors(insider); slices.Contains(ids, monitorID) {
		t.Errorf("closed membership: the insider's status pages show the victim's monitor id: %v", ids)
	}
	var saved struct{ Monitors []int64 }
	if code := insider.call("PUT", orgPath+"status-pages/everything/", `{"name":"Everything","monitors":[]}`, &saved); code != http.StatusOK ||
		slices.Contains(saved.Monitors, monitorID) {
		t.Errorf("closed membership: the insider saves the status page: %d %v", code, saved.Monitors)
	}
	if ids := pageMonitors(owner); !slices.Contains(ids, monitorID) {
		t.Errorf("the status page lost the victim's monitor when the insider saved it: %v", ids)
	}
}
