package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/getsentry/sentry-go"
)

// TestDashboardDiscoverInBrowser builds a Discover query in headless
// Chromium from functions the old page did not offer (count_unique,
// percentile, count_if, apdex with a threshold, failure_count, epm,
// last_seen), picking their columns and numbers in the builder, runs it
// and reads the results; then opens a query the API refuses and sees why.
func TestDashboardDiscoverInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	client := tracingSDK(t, srv, proj)
	for i := range 3 {
		hub := sentry.NewHub(client, sentry.NewScope())
		hub.Scope().SetUser(sentry.User{ID: fmt.Sprintf("user-%d", i%2)})
		tx := sentry.StartTransaction(sentry.SetHubOnContext(context.Background(), hub), "GET /discover-test")
		time.Sleep(time.Duration(i*20) * time.Millisecond)
		tx.Finish()
	}
	client.Flush(10 * time.Second)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	waitUntil(t, func() (bool, string) {
		var r struct{ Data []map[string]any }
		api.get("/api/0/organizations/"+proj.Organization+"/events/?field=count()&statsPeriod=1h", &r)
		return len(r.Data) == 1 && fmt.Sprint(r.Data[0]["count()"]) == "3", fmt.Sprintf("%+v", r.Data)
	})
	var me struct{ User struct{ Email string } }
	api.get("/api/0/", &me)

	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "dashboard-discover"))
	if out, err := runBrowserScript(dir, chromium, 240*time.Second, "dashboard_discover.mjs", api.base, me.User.Email, "test-password",
		proj.Organization, shots); err != nil {
		t.Fatalf("dashboard_discover.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
}
