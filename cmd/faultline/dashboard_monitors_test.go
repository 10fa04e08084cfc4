package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// TestMonitorPagesInBrowser opens three monitors' pages in headless
// Chromium with checks stored as the monitor actors store them: an up
// monitor with 12 checks in the last hour must draw its response times, a
// monitor that never answered must show no response times ("–", not
// "0 ms"), and a heartbeat monitor must show its check-in history, not a
// response-time chart. The monitors are paused so no check of the test's
// own adds to the stored ones.
func TestMonitorPagesInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	create := func(body string) uint64 {
		var m monitorResp
		if code := api.call("POST", "/api/0/organizations/"+proj.Organization+"/monitors/", body, &m); code != 201 {
			t.Fatalf("create monitor %s: %d", body, code)
		}
		id, err := strconv.ParseUint(m.ID, 10, 64)
		if err != nil {
			t.Fatalf("monitor id %q: %v", m.ID, err)
		}
		return id
	}
	up := create(`{"monitorType":"GET","name":"Shop home","url":"https://shop.example/","interval":300,"paused":true}`)
	down := create(`{"monitorType":"GET","name":"Dead host","url":"https://dead.example/","interval":300,"paused":true}`)
	beat := create(`{"monitorType":"Heartbeat","name":"Nightly job","interval":3600,"timeout":60,"paused":true}`)

	now := time.Now()
	var checks []analytics.MonitorCheck
	for i := range 12 {
		at := now.Add(-time.Duration(55-5*i) * time.Minute)
		org := uint64(proj.OrganizationID)
		checks = append(checks,
			analytics.MonitorCheck{MonitorID: up, OrgID: org, Checked: at, Up: true, ResponseTime: time.Duration(100+10*i) * time.Millisecond, StatusCode: 200},
			analytics.MonitorCheck{MonitorID: down, OrgID: org, Checked: at, Reason: "connection refused"})
		if i%4 == 0 {
			hb := analytics.MonitorCheck{MonitorID: beat, OrgID: org, Checked: at, Up: i != 8}
			if !hb.Up {
				hb.Reason = "no heartbeat since " + at.Add(-2*time.Hour).UTC().Format(time.RFC3339)
			}
			checks = append(checks, hb)
		}
	}
	if err := srv.store.InsertMonitorChecks(context.Background(), checks); err != nil {
		t.Fatal(err)
	}
	var me struct{ User struct{ Email string } }
	api.get("/api/0/", &me)
	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "dashboard-monitors"))
	if out, err := runBrowserScript(dir, chromium, 180*time.Second, "dashboard_monitors.mjs", api.base, me.User.Email, "test-password",
		proj.Organization, fmt.Sprint(up), fmt.Sprint(down), fmt.Sprint(beat), shots); err != nil {
		t.Fatalf("dashboard_monitors.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
}
