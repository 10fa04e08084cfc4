package main

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// TestSentryNodeReleaseHealth runs @sentry/node processes, each one
// release-health session: some crash on an uncaught error, some capture a
// handled error, the rest just exit. /sessions/ must count them as they
// ended, and its crash-free rates must be those of the known counts.
// (sentry-go 0.50.0 sends no sessions, so only Node is driven here.)
func TestSentryNodeReleaseHealth(t *testing.T) {
	dir := nodeSDK(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	dsn := fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)

	const plan = "cceoo" // 2 crashed, 1 errored, 2 healthy; a user each
	crashed, total := strings.Count(plan, "c"), len(plan)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", filepath.Join(dir, "sessions.mjs"), dsn, plan).CombinedOutput()
	if err != nil {
		t.Fatalf("node sessions.mjs: %v\n%s", err, out)
	}

	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	type group struct {
		By     map[string]any
		Totals map[string]any
	}
	var answer struct {
		Intervals []string
		Groups    []group
	}
	base := fmt.Sprintf("/api/0/organizations/%s/sessions/?project=%d&statsPeriod=1h&interval=1m&query=%s", proj.Organization, proj.ProjectID,
		url.QueryEscape("release:node-health@1.0.0"))
	byStatus := map[string]float64{}
	waitUntil(t, func() (bool, string) {
		api.get(base+"&field=sum(session)&groupBy=session.status", &answer)
		for _, g := range answer.Groups {
			byStatus[fmt.Sprint(g.By["session.status"])], _ = g.Totals["sum(session)"].(float64)
		}
		want := map[string]float64{"healthy": 2, "errored": 1, "crashed": float64(crashed), "abnormal": 0}
		return fmt.Sprint(byStatus) == fmt.Sprint(want), fmt.Sprintf("sessions by status %v; want %v", byStatus, want)
	})
	api.get(base+"&field=crash_free_rate(session)&field=crash_free_rate(user)&field=sum(session)&field=count_unique(user)&groupBy=release", &answer)
	if len(answer.Groups) != 1 || answer.Groups[0].By["release"] != "node-health@1.0.0" {
		t.Fatalf("groups %+v; want node-health@1.0.0 alone", answer.Groups)
	}
	totals := answer.Groups[0].Totals
	byHand := 1 - float64(crashed)/float64(total)
	for _, f := range []string{"crash_free_rate(session)", "crash_free_rate(user)"} {
		if got, ok := totals[f].(float64); !ok || math.Abs(got-byHand) > 1e-9 {
			t.Errorf("%s = %v; want %.4f (%d of %d crashed)", f, totals[f], byHand, crashed, total)
		}
	}
	if totals["sum(session)"] != float64(total) || totals["count_unique(user)"] != float64(total) || len(answer.Intervals) < 60 {
		t.Errorf("totals %v over %d intervals; want %d sessions and users over an hour of minutes", totals, len(answer.Intervals), total)
	}
}
