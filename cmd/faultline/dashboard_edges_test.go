package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
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
	if out, err := runBrowserScript(dir, chromium, 180*time.Second, "dashboard_edges.mjs", "http://"+srv.addr, shots); err != nil {
		t.Fatalf("dashboard_edges.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
}

// TestIssueListFilteredCounts makes the requests the issue list makes
// under an environment and a period, against a real server: the list finds
// the issue, Discover counts only its staging events, the chart's series
// adds up to them, and a pasted title is searched as text.
func TestIssueListFilteredCounts(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	for i := range 5 {
		env := "production"
		if i < 3 {
			env = "staging"
		}
		body := fmt.Sprintf("{}\n{\"type\":\"event\"}\n{\"message\":\"TypeError: Cannot read\",\"fingerprint\":[\"one\"],\"environment\":%q}", env)
		if resp, b := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, body, nil); resp.StatusCode != 200 {
			t.Fatalf("post event: %d %s", resp.StatusCode, b)
		}
	}
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	issue := waitForCount(t, api, proj.Organization, proj.Project, 5)[0]
	query := "is:unresolved environment:staging"

	var listed []issueResp
	path := fmt.Sprintf("/api/0/projects/%s/%s/issues/?%s", proj.Organization, proj.Project,
		url.Values{"query": {query}, "sort": {"date"}, "statsPeriod": {"24h"}}.Encode())
	if code := api.get(path, &listed); code != 200 || len(listed) != 1 || listed[0].ID != issue.ID {
		t.Fatalf("GET %s: %d %+v", path, code, listed)
	}
	counts := url.Values{"dataset": {"errors"}, "project": {proj.Project}, "statsPeriod": {"24h"}, "query": {query},
		"sort": {"-count()"}, "per_page": {"100"}, "field": {"issue.id", "count()", "count_unique(user)"}}
	var table struct{ Data []map[string]any }
	path = fmt.Sprintf("/api/0/organizations/%s/events/?%s", proj.Organization, counts.Encode())
	waitUntil(t, func() (bool, string) {
		code := api.get(path, &table)
		return code == 200 && len(table.Data) == 1 && number(table.Data[0]["issue.id"]) == issue.ID && number(table.Data[0]["count()"]) == "3",
			fmt.Sprintf("GET %s: %d %+v", path, code, table.Data)
	})
	var series struct{ Data [][2]json.RawMessage }
	path = fmt.Sprintf("/api/0/organizations/%s/events-stats/?%s", proj.Organization,
		url.Values{"dataset": {"errors"}, "project": {proj.Project}, "statsPeriod": {"24h"}, "query": {query}}.Encode())
	if code := api.get(path, &series); code != 200 {
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
	if total != 3 {
		t.Errorf("the chart's series adds up to %d staging events, want 3", total)
	}

	path = fmt.Sprintf("/api/0/projects/%s/%s/issues/?query=%s", proj.Organization, proj.Project, url.QueryEscape("TypeError: Cannot read"))
	if code := api.get(path, &listed); code != 200 || len(listed) != 1 {
		t.Errorf("GET %s (a pasted title): %d %+v, want the issue", path, code, listed)
	}
}

// number spells a JSON number decoded into any as its digits: fmt.Sprint
// writes 1910094 as 1.910094e+06, and issue ids pass a million.
func number(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
