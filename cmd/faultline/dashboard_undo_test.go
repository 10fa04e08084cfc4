package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// TestDashboardUndoInBrowser: Undo after a bulk change gives each issue
// back its own state, not only its status. Four issues in different
// states (ignored until 5 more events, resolved in release 1.0, ignored
// for an hour and assigned, unresolved) are resolved together in headless
// Chromium, then Undo; the script reads each back through the API. Then
// all are assigned and Undo gives each its own assignee back.
func TestDashboardUndoInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	for i := range 4 {
		item, _ := json.Marshal(map[string]any{"message": fmt.Sprintf("undo issue %d", i), "level": "error",
			"release": "1.0", "fingerprint": []string{fmt.Sprintf("undo-%d", i)}})
		if resp, b := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, "{}\n{\"type\":\"event\"}\n"+string(item), nil); resp.StatusCode != 200 {
			t.Fatalf("post event: %d %s", resp.StatusCode, b)
		}
	}
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	var list []issueResp
	waitUntil(t, func() (bool, string) {
		api.get(fmt.Sprintf("/api/0/projects/%s/%s/issues/?query=&limit=100", proj.Organization, proj.Project), &list)
		return len(list) == 4, fmt.Sprintf("%d issues", len(list))
	})
	var me struct{ User struct{ Email string } }
	api.get("/api/0/", &me)
	byTitle := map[string]string{}
	for _, is := range list {
		byTitle[is.Title] = is.ID
	}
	path := fmt.Sprintf("/api/0/projects/%s/%s/issues/?id=", proj.Organization, proj.Project)
	for title, body := range map[string]string{
		"undo issue 0": `{"status":"ignored","statusDetails":{"ignoreCount":5}}`,
		"undo issue 1": `{"status":"resolved","statusDetails":{"inRelease":"1.0"}}`,
		"undo issue 2": fmt.Sprintf(`{"status":"ignored","statusDetails":{"ignoreDuration":60},"assignedTo":%q}`, me.User.Email),
	} {
		if code := api.call("PUT", path+byTitle[title], body, nil); code != http.StatusOK {
			t.Fatalf("PUT %s: %d", body, code)
		}
	}
	ids, _ := json.Marshal(byTitle)
	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "dashboard-undo"))
	if out, err := runBrowserScript(dir, chromium, 240*time.Second, "dashboard_undo.mjs", api.base, me.User.Email, "test-password",
		proj.Organization, proj.Project, string(ids), shots); err != nil {
		t.Fatalf("dashboard_undo.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
}
