package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
// the deep link with a session open. Run with
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
	if err := json.Unmarshal(out, &ms); err != nil {
		b.Fatalf("triageload.mjs printed %q", out)
	}
	for _, name := range []string{"listAfterLogin", "issueAfterLogin", "listWithSession", "issueWithSession"} {
		runs := ms[name]
		if len(runs) == 0 {
			b.Fatalf("no %s figures in %s", name, out)
		}
		sort.Float64s(runs)
		b.ReportMetric(runs[len(runs)/2], "ms-p50-"+name)
		b.Logf("%s: %v ms", name, runs)
	}
}

// benchGet reads an API path with the project's token, without a
// testing.T to fail.
func benchGet(api apiClient, path string, out any) int {
	req, _ := http.NewRequest(http.MethodGet, api.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+api.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}
