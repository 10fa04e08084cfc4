package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// triageIssues is how many issues the triage test sends: more than the
// list's page of 25, so the pager's total and "select all matching" mean
// something.
const triageIssues = 30

// TestDashboardTriageInBrowser drives the issue list and the issue page
// in headless Chromium against a server holding 30 issues sent through
// ingestion: the sparklines drawn from the list's stats, the total in the
// pager, select-all then every match, bulk resolve and Undo putting the
// statuses back, the merge confirmation, the assignee select, a tag value
// as a filter, and the phone width. The script checks each change through
// the API.
func TestDashboardTriageInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	for i := range triageIssues {
		region := "south"
		if i == 0 {
			region = "north"
		}
		for n := range i%3 + 1 {
			item, _ := json.Marshal(map[string]any{"message": fmt.Sprintf("triage issue %02d", i), "level": "error",
				"fingerprint": []string{fmt.Sprintf("triage-%d", i)}, "tags": map[string]string{"region": region, "attempt": fmt.Sprint(n)}})
			if resp, b := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, "{}\n{\"type\":\"event\"}\n"+string(item), nil); resp.StatusCode != 200 {
				t.Fatalf("post event: %d %s", resp.StatusCode, b)
			}
		}
	}
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	// Every issue in, with its events counted in the list's stats (the
	// analytics store fills a moment after PostgreSQL).
	var first string
	waitUntil(t, func() (bool, string) {
		var list []struct {
			ID    string
			Title string
			Count string
			Stats map[string][][2]int64
		}
		api.get(fmt.Sprintf("/api/0/projects/%s/%s/issues/?query=&limit=100&groupStatsPeriod=24h", proj.Organization, proj.Project), &list)
		if len(list) != triageIssues {
			return false, fmt.Sprintf("%d issues", len(list))
		}
		for _, is := range list {
			n := int64(0)
			for _, p := range is.Stats["24h"] {
				n += p[1]
			}
			if fmt.Sprint(n) != is.Count {
				return false, fmt.Sprintf("issue %s: stats count %d of %s events", is.ID, n, is.Count)
			}
			if is.Title == "triage issue 00" {
				first = is.ID
			}
		}
		return true, ""
	})
	waitUntil(t, func() (bool, string) {
		var tags []struct{ Key string }
		api.get("/api/0/issues/"+first+"/tags/", &tags)
		return len(tags) > 0, fmt.Sprintf("issue tags %+v", tags)
	})
	var me struct{ User struct{ Email string } }
	api.get("/api/0/", &me)

	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "dashboard-triage"))
	if out, err := runBrowserScript(dir, chromium, 240*time.Second, "dashboard_triage.mjs", api.base, me.User.Email, "test-password",
		proj.Organization, proj.Project, first, fmt.Sprint(triageIssues), shots); err != nil {
		t.Fatalf("dashboard_triage.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
	// What the browser left behind: the first issue assigned to the user,
	// and one issue fewer after the confirmed merge.
	var after struct {
		AssignedTo *struct{ Type, Email string } `json:"assignedTo"`
	}
	api.get("/api/0/issues/"+first+"/", &after)
	if after.AssignedTo == nil || after.AssignedTo.Email != me.User.Email {
		t.Errorf("issue %s assignedTo %+v, want %s", first, after.AssignedTo, me.User.Email)
	}
	var all []issueResp
	api.get(fmt.Sprintf("/api/0/projects/%s/%s/issues/?query=&limit=100", proj.Organization, proj.Project), &all)
	if len(all) != triageIssues-1 {
		t.Errorf("%d issues after the merge, want %d", len(all), triageIssues-1)
	}
}
