package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/getsentry/sentry-go"
)

// TestDashboardInBrowser logs in to the dashboard in headless Chromium,
// finds an issue a real SDK sent, opens it, sees its stack frame, resolves
// it and sees it leave the list, on a desktop and a phone-sized screen.
// Screenshots go to .data/screenshots (git-ignored).
func TestDashboardInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	client := tracingSDK(t, srv, proj)
	hub := sentry.NewHub(client, sentry.NewScope())
	hub.CaptureException(fmt.Errorf("dashboard test failure"))
	tx := sentry.StartTransaction(sentry.SetHubOnContext(context.Background(), hub), "GET /dashboard-test")
	span := tx.StartChild("db.query", sentry.WithDescription("SELECT 1"))
	time.Sleep(5 * time.Millisecond)
	span.Finish()
	tx.Finish()
	checkIn := hub.CaptureCheckIn(&sentry.CheckIn{MonitorSlug: "dashboard-cron", Status: sentry.CheckInStatusInProgress},
		&sentry.MonitorConfig{Schedule: sentry.CrontabSchedule("0 * * * *")})
	hub.CaptureCheckIn(&sentry.CheckIn{ID: *checkIn, MonitorSlug: "dashboard-cron", Status: sentry.CheckInStatusOK, Duration: 2 * time.Second}, nil)
	client.Flush(10 * time.Second)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	issue := waitForCount(t, api, proj.Organization, proj.Project, 1)[0]
	waitUntil(t, func() (bool, string) {
		var txs []struct{ Transaction string }
		api.get(fmt.Sprintf("/api/0/projects/%s/%s/transactions/", proj.Organization, proj.Project), &txs)
		return len(txs) == 1, fmt.Sprintf("transactions %+v", txs)
	})
	// The browser opens the cron monitor by name, so its check-ins, which the
	// workers store apart from the error and the transaction, must be in.
	waitForOneOKRun(t, api, "/api/0/organizations/"+proj.Organization+"/monitors/dashboard-cron/")
	var me struct{ User struct{ Email string } }
	api.get("/api/0/", &me)

	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "dashboard"))
	if out, err := runBrowserScript(dir, chromium, 240*time.Second, "dashboard.mjs", api.base, me.User.Email, "test-password",
		proj.Organization, proj.Project, issue.Title, "TestDashboardInBrowser", shots); err != nil {
		t.Fatalf("dashboard.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
	var after issueResp
	api.get("/api/0/issues/"+issue.ID+"/", &after)
	if after.Status != "resolved" {
		t.Errorf("issue status after the browser resolved it: %s", after.Status)
	}
	var seen struct{ HasSeen bool }
	if api.get("/api/0/issues/"+issue.ID+"/", &seen); !seen.HasSeen {
		t.Error("opening the issue in the dashboard did not mark it seen")
	}
	var keys []struct{ RateLimit *struct{ Window, Count int } }
	api.get(fmt.Sprintf("/api/0/projects/%s/%s/keys/", proj.Organization, proj.Project), &keys)
	if len(keys) == 0 || keys[0].RateLimit == nil || keys[0].RateLimit.Count != 100 || keys[0].RateLimit.Window != 60 {
		t.Errorf("the key's rate limit set in the browser: %+v", keys)
	}
}

// tracingSDK is the real sentry-go client the dashboard tests send their
// errors and transactions with: the project's DSN, every transaction kept.
func tracingSDK(t *testing.T, srv *server, proj metadata.BootstrapResult) *sentry.Client {
	t.Helper()
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID),
		EnableTracing: true, TracesSampleRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	return client
}
