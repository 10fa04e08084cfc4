package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// BenchmarkDashboardTriageLoad measures, in headless Chromium, how long
// the issue list and an issue page of a project with 1,000 issues take to
// become usable: from pressing "Log in" on a deep link, and from loading
// the deep link with a session open, each by the page's clock and by the
// test script's. Run with
// `go test -run '^$' -bench DashboardTriageLoad ./cmd/faultline/` under
// the test services; the figures are medians over max(b.N, 5) runs.
func BenchmarkDashboardTriageLoad(b *testing.B) {
	dir, chromium := browserHarnessB(b)
	srv := testServerB(b)
	proj := metadatatest.Project(b, srv.db, testSecret)
	// The issues go straight into the metadata store, 1,000 in one batch.
	const issues = 1000
	now := time.Now().UTC()
	batch := make([]metadata.GroupedEvent, issues)
	for i := range batch {
		batch[i] = metadata.GroupedEvent{EventID: fmt.Sprintf("%032x", i+1), Fingerprint: fmt.Sprintf("bench-%d", i),
			Title: fmt.Sprintf("bench issue %d", i), Level: "error", Type: "error", Timestamp: now.Add(-time.Duration(i) * time.Second)}
	}
	ids, err := srv.db.RecordEvents(context.Background(), proj.ProjectID, batch)
	if err != nil {
		b.Fatal(err)
	}
	api := apiClient{base: "http://" + srv.addr, token: proj.Token}
	var me struct{ User struct{ Email string } }
	if code := benchGet(api, "/api/0/", &me); code != 200 {
		b.Fatalf("GET /api/0/: %d", code)
	}

	b.ResetTimer()
	cmd := exec.Command("node", filepath.Join(dir, "triageload.mjs"), api.base, me.User.Email, "test-password",
		proj.Organization, proj.Project, fmt.Sprint(ids[0]), fmt.Sprint(max(b.N, 5)))
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("triageload.mjs: %v", err)
	}
	var ms map[string][]float64
	var reqs struct {
		Requests map[string]map[string]struct{ Start, Server, End []float64 }
	}
	if err := json.Unmarshal(out, &reqs); err != nil {
		b.Fatalf("triageload.mjs printed %q", out)
	}
	raw := map[string]json.RawMessage{}
	_ = json.Unmarshal(out, &raw)
	delete(raw, "requests")
	ms = map[string][]float64{}
	for k, v := range raw {
		var runs []float64
		if err := json.Unmarshal(v, &runs); err != nil {
			b.Fatalf("triageload.mjs: %s: %v", k, err)
		}
		ms[k] = runs
	}
	// Each request of the loads: when it started after the click or
	// navigation, how long the server took and when it was done, medians
	// over the runs.
	for _, screen := range sortedKeys(reqs.Requests) {
		for _, path := range sortedKeys(reqs.Requests[screen]) {
			r := reqs.Requests[screen][path]
			b.Logf("%s %s: starts at %.0f ms, server %.0f ms, done at %.0f ms (median of %d)", screen, path, median(r.Start), median(r.Server), median(r.End), len(r.Server))
		}
	}
	// By the page's own clock, and by the script's (the "Wall" figures add
	// the test driver's round trips; see triageload.mjs).
	for _, name := range []string{"listAfterLogin", "issueAfterLogin", "listWithSession", "issueWithSession",
		"listAfterLoginWall", "issueAfterLoginWall", "listWithSessionWall", "issueWithSessionWall"} {
		runs := ms[name]
		if len(runs) == 0 {
			b.Fatalf("no %s figures in %s", name, out)
		}
		sort.Float64s(runs)
		b.ReportMetric(runs[len(runs)/2], "ms-p50-"+name)
		b.Logf("%s: %v ms", name, runs)
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// benchGet reads an API path with the project's token, without a
// testing.T to fail.
func benchGet(api apiClient, path string, out any) int {
	code, body, err := getWithToken(api.base+path, api.token)
	if err != nil {
		return 0
	}
	_ = json.Unmarshal(body, out)
	return code
}
