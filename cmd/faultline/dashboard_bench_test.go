package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// BenchmarkDashboardFirstLoad measures how long the issue list of a project
// with 1,000 issues takes to show in headless Chromium, from navigation to
// the first issue on screen (session already open). Run with
// `go test -run '^$' -bench DashboardFirstLoad ./cmd/faultline/` under the
// test services.
func BenchmarkDashboardFirstLoad(b *testing.B) {
	dir, chromium := browserHarnessB(b)
	srv := testServerB(b)
	proj := metadatatest.Project(b, srv.db, testSecret)
	const issues = 1000
	for i := range issues {
		body := fmt.Sprintf("{}\n{\"type\":\"event\"}\n{\"message\":\"bench issue\",\"fingerprint\":[\"bench-%d\"]}", i)
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("http://%s/api/%d/envelope/?sentry_key=%s", srv.addr, proj.ProjectID, proj.PublicKey), strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("post event %d: %v", i, err)
		}
		resp.Body.Close()
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		list, err := srv.db.ListIssues(b.Context(), proj.ProjectID, issues+1, 0)
		if err != nil {
			b.Fatal(err)
		}
		if len(list) == issues {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d issues after 60 s", len(list), issues)
		}
	}
	var me struct{ User struct{ Email string } }
	req, _ := http.NewRequest(http.MethodGet, "http://"+srv.addr+"/api/0/", nil)
	req.Header.Set("Authorization", "Bearer "+proj.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()

	b.ResetTimer()
	cmd := exec.Command("node", filepath.Join(dir, "firstload.mjs"), "http://"+srv.addr, me.User.Email, "test-password",
		proj.Organization, proj.Project, fmt.Sprint(max(b.N, 5)))
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("firstload.mjs: %v", err)
	}
	var ms []float64
	if err := json.Unmarshal(out, &ms); err != nil || len(ms) == 0 {
		b.Fatalf("firstload.mjs printed %q", out)
	}
	sort.Float64s(ms)
	b.ReportMetric(ms[len(ms)/2], "ms-p50-first-load")
	b.ReportMetric(ms[len(ms)-1], "ms-max-first-load")
}

// browserHarnessB and testServerB are browserHarness and testServer for a
// benchmark.
func browserHarnessB(b *testing.B) (string, string) {
	dir, _ := filepath.Abs(filepath.Join("testdata", "browser"))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		b.Skip("run `make test` once to install the browser harness")
	}
	return dir, "/usr/bin/chromium"
}

func testServerB(b *testing.B) *server {
	cfg := config{Listen: "127.0.0.1:0", DatabaseURL: metadatatest.URL(b), ClickHouseURL: os.Getenv("FAULTLINE_TEST_CLICKHOUSE_URL"),
		DataDir: b.TempDir(), SecretKey: testSecret}
	srv, err := startServer(b.Context(), cfg, quietLog())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.stop() })
	return srv
}
