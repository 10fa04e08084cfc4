package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/getsentry/sentry-go"
)

// Cron check-ins from the unmodified sentry-go SDK are recorded.
func TestSentryGoCheckIns(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	hub := sentry.NewHub(client, sentry.NewScope())
	config := &sentry.MonitorConfig{Schedule: sentry.CrontabSchedule("*/5 * * * *"), CheckInMargin: 2, MaxRuntime: 10}
	id := hub.CaptureCheckIn(&sentry.CheckIn{MonitorSlug: "nightly-export", Status: sentry.CheckInStatusInProgress}, config)
	if id == nil {
		t.Fatal("sentry-go did not send the check-in")
	}
	hub.CaptureCheckIn(&sentry.CheckIn{ID: *id, MonitorSlug: "nightly-export", Status: sentry.CheckInStatusOK, Duration: 3 * time.Second}, config)
	if !client.Flush(10 * time.Second) {
		t.Fatal("sentry-go could not deliver its check-ins")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		statuses, err := srv.store.MonitorCheckIns(context.Background(), uint64(proj.ProjectID), "nightly-export", time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(statuses)
		if fmt.Sprint(statuses) == "[in_progress ok]" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("check-ins %v, want in_progress and ok", statuses)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Session updates (as @sentry/node sends them) and session aggregates (as
// the Python SDK sends them) add up to release health.
func TestSessionsReleaseHealth(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	now := time.Now().UTC()
	started := now.Add(-time.Minute).Format(time.RFC3339Nano)
	session := func(sid, status string, init bool, errors int) string {
		return fmt.Sprintf(`{"sid":"%s","did":"u-1","init":%t,"started":"%s","timestamp":"%s","status":"%s","errors":%d,"duration":1.5,"attrs":{"release":"shop@4.0.0","environment":"production","ip_address":"{{auto}}"}}`, sid, init, started, now.Format(time.RFC3339Nano), status, errors)
	}
	bodies := []string{
		"{}\n" + `{"type":"session"}` + "\n" + session("a", "ok", true, 0),
		"{}\n" + `{"type":"session"}` + "\n" + session("a", "exited", false, 0),
		"{}\n" + `{"type":"session"}` + "\n" + session("b", "ok", true, 0) + "\n" + `{"type":"session"}` + "\n" + session("b", "crashed", false, 1),
		"{}\n" + `{"type":"sessions"}` + "\n" + `{"aggregates":[{"started":"` + started + `","exited":3,"crashed":1}],"attrs":{"release":"shop@4.0.0","environment":"production"}}`,
		"{}\n" + `{"type":"session"}` + "\n" + `{"sid":"c","init":true,"status":"ok"}`, // no release: dropped by the worker
	}
	for _, b := range bodies {
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("http://%s/api/%d/envelope/?sentry_key=%s", srv.addr, proj.ProjectID, proj.PublicKey), strings.NewReader(b))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("session envelope: %d", resp.StatusCode)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		health, err := srv.store.ReleaseHealthSince(context.Background(), uint64(proj.ProjectID), now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(health) == 1 && health[0].Started == 6 && health[0].Crashed == 2 {
			if h := health[0]; h.Release != "shop@4.0.0" || h.CrashFreeRate() < 0.66 || h.CrashFreeRate() > 0.67 {
				t.Fatalf("release health %+v, crash-free %.3f", h, h.CrashFreeRate())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("release health %+v; want 6 started, 2 crashed for shop@4.0.0", health)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
