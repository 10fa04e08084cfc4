package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// scrape returns the server's /metrics.
func scrape(t *testing.T, srv *server) string {
	t.Helper()
	resp, err := http.Get("http://" + srv.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// Two servers in one process count apart: each registers its metrics on
// a registry of its own and serves that one at /metrics.
func TestServersCountApart(t *testing.T) {
	start, _ := separateRoles(t, nil)
	a, b := start(roleIngest), start(roleIngest)
	proj := metadatatest.Project(t, a.db, testSecret)
	postEvent(t, a.addr, proj.ProjectID, proj.PublicKey, "counted by one server")
	const accepted = `faultline_ingest_requests_total{endpoint="envelope",status="200"} 1` + "\n"
	if got := scrape(t, a); !strings.Contains(got, accepted) {
		t.Errorf("the server that took the event does not count it:\n%.3000s", got)
	}
	if got := scrape(t, b); strings.Contains(got, "faultline_ingest_requests_total{") {
		t.Errorf("the other server counts the event too:\n%.3000s", got)
	}
}
