package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// TestDashboardEdgesInBrowser drives the dashboard in headless Chromium
// through what once broke it (see testdata/browser/dashboard_edges.mjs):
// links from emails, keyboard shortcuts, filtered counts, failed and empty
// searches, unknown addresses, sparse monitor data, hostile event data at
// desktop and phone sizes. The API is answered from fixtures in the page,
// so every screen meets exactly the data it must survive.
func TestDashboardEdgesInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "dashboard-edges"))
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "dashboard_edges.mjs"), "http://"+srv.addr, shots)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dashboard_edges.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
}

// TestPastedTitleSearches: an issue title pasted into the search is
// searched as text, not refused as a malformed filter.
func TestPastedTitleSearches(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	var issues []issueResp
	path := fmt.Sprintf("/api/0/projects/%s/%s/issues/?query=%s", proj.Organization, proj.Project, url.QueryEscape("TypeError: Cannot read"))
	if code := api.get(path, &issues); code != 200 {
		t.Fatalf("GET %s: %d, want 200", path, code)
	}
}
