package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/getsentry/sentry-go"
)

// TestDashboardAccessibilityInBrowser visits every screen of the dashboard
// in headless Chromium on a desktop (1440x900) and a phone (390x844), in
// the light and the dark theme, and checks what keyboard, screen reader and
// touch users need: a skip link first in the tab order that lands in the
// main region, focus on the new screen's heading after navigating, waterfall
// rows reachable with Tab and opened with Enter, tap targets of 44x44 on the
// phone, contrast of text (axe-core) and of chart marks, status dots, input
// borders and focus rings, chart labels inside their chart, and an hour
// without checks drawn as a gap in the monitor's response times, not as a
// zero. Screenshots of every screen go to FAULTLINE_TEST_ARTIFACTS when set,
// else to .data/screenshots (git-ignored).
func TestDashboardAccessibilityInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	client := tracingSDK(t, srv, proj)
	hub := sentry.NewHub(client, sentry.NewScope())
	hub.CaptureException(fmt.Errorf("accessibility test failure"))
	tx := sentry.StartTransaction(sentry.SetHubOnContext(context.Background(), hub), "GET /a11y")
	for _, op := range []string{"db.query", "http.client"} {
		span := tx.StartChild(op, sentry.WithDescription(op+" of the accessibility test"))
		time.Sleep(3 * time.Millisecond)
		span.Finish()
	}
	tx.Finish()
	client.Flush(10 * time.Second)

	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	issue := waitForCount(t, api, proj.Organization, proj.Project, 1)[0]
	waitUntil(t, func() (bool, string) {
		var txs []struct{ Transaction string }
		api.get(fmt.Sprintf("/api/0/projects/%s/%s/transactions/", proj.Organization, proj.Project), &txs)
		return len(txs) == 1, fmt.Sprintf("transactions %+v", txs)
	})
	var m monitorResp
	if code := api.call("POST", "/api/0/organizations/"+proj.Organization+"/monitors/",
		`{"monitorType":"GET","name":"Shop home","url":"https://shop.example/","interval":300,"paused":true}`, &m); code != 201 {
		t.Fatalf("create monitor: %d", code)
	}
	monitor, err := strconv.ParseUint(m.ID, 10, 64)
	if err != nil {
		t.Fatalf("monitor id %q: %v", m.ID, err)
	}
	// Checks 20 hours ago (one lone half hour: a dot) and in the last three
	// hours; the hours between have none and must be a gap.
	now := time.Now()
	var checks []analytics.MonitorCheck
	for i, ago := range []time.Duration{20 * time.Hour, 170 * time.Minute, 140 * time.Minute, 110 * time.Minute, 80 * time.Minute, 50 * time.Minute, 20 * time.Minute} {
		checks = append(checks, analytics.MonitorCheck{MonitorID: monitor, OrgID: uint64(proj.OrganizationID), Checked: now.Add(-ago),
			Up: true, ResponseTime: time.Duration(900+40*i) * time.Millisecond, StatusCode: 200})
	}
	if err := srv.store.InsertMonitorChecks(context.Background(), checks); err != nil {
		t.Fatal(err)
	}
	var me struct{ User struct{ Email string } }
	api.get("/api/0/", &me)

	shots := os.Getenv("FAULTLINE_TEST_ARTIFACTS")
	if shots == "" {
		shots = filepath.Join("..", "..", ".data", "screenshots")
	}
	shots, _ = filepath.Abs(filepath.Join(shots, "dashboard-a11y"))
	if out, err := runBrowserScript(dir, chromium, 480*time.Second, "dashboard_a11y.mjs", api.base, me.User.Email, "test-password",
		proj.Organization, proj.Project, issue.ID, fmt.Sprint(monitor), shots); err != nil {
		t.Fatalf("dashboard_a11y.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
}
