package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// quietLog discards the servers' logs; FAULTLINE_TEST_LOG=1 shows them.
func quietLog() *slog.Logger {
	if os.Getenv("FAULTLINE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// postEnvelope posts an envelope to a project with its key in the query
// string, as browser and Node SDKs send it, and returns the response with
// its body read.
func postEnvelope(t *testing.T, addr string, projectID int64, key, body string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("http://%s/api/%d/envelope/?sentry_key=%s", addr, projectID, key), strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// postEvent posts a message event and requires it to be accepted.
func postEvent(t *testing.T, addr string, projectID int64, key, message string) {
	t.Helper()
	resp, body := postEnvelope(t, addr, projectID, key, "{}\n{\"type\":\"event\"}\n{\"message\":\""+message+"\",\"level\":\"warning\"}", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("post event: %d %s", resp.StatusCode, body)
	}
}

// needTool skips a test whose outside tool (an SDK, a browser) is missing,
// or fails it under `make test`, which installs them all.
func needTool(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("FAULTLINE_REQUIRE_SERVICES") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// waitForCount polls the project's issues until their counts add up to
// want, then until every counted event can be read back: an issue's count
// (PostgreSQL) is visible a moment before its events (ClickHouse).
func waitForCount(t *testing.T, api apiClient, org, project string, want int) []issueResp {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var issues []issueResp
		api.get(fmt.Sprintf("/api/0/projects/%s/%s/issues/?query=", org, project), &issues)
		total := 0
		for _, is := range issues {
			var n int
			fmt.Sscan(is.Count, &n)
			total += n
		}
		if total > want || time.Now().After(deadline) {
			t.Fatalf("issues count %d events, want %d", total, want)
		}
		if total == want && eventsReadable(api, issues) {
			// Read the list again: user counts come from the events.
			api.get(fmt.Sprintf("/api/0/projects/%s/%s/issues/?query=", org, project), &issues)
			return issues
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitUntil polls check every 200 ms until it reports done, failing the
// test after 30 s with check's last description of what it saw.
func waitUntil(t *testing.T, check func() (done bool, saw string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		done, saw := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %s", saw)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func eventsReadable(api apiClient, issues []issueResp) bool {
	for _, is := range issues {
		var n int
		fmt.Sscan(is.Count, &n)
		var events []struct{ EventID string }
		api.get("/api/0/issues/"+is.ID+"/events/?limit=100", &events)
		if len(events) < min(n, 100) {
			return false
		}
	}
	return true
}

// Events answered 200 survive a restart of the whole server: they are in
// the embedded broker's log, and the restarted worker picks them up.
func TestRestartKeepsAcceptedEvents(t *testing.T) {
	cfg := config{
		Listen: "127.0.0.1:0", DatabaseURL: metadatatest.URL(t), ClickHouseURL: analyticstest.URL(t),
		DataDir: t.TempDir(), SecretKey: testSecret,
	}
	first, err := startServer(context.Background(), cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	// Stop the first server's worker, so the events below are only in Kafka
	// when the server goes down.
	first.cancelWorker()
	time.Sleep(200 * time.Millisecond) // let Run see the cancellation
	proj := metadatatest.Project(t, first.db, testSecret)
	const n = 40
	for i := range n {
		postEvent(t, first.addr, proj.ProjectID, proj.PublicKey, "restart test "+[]string{"alpha", "beta", "gamma", "delta"}[i%4])
	}
	if issues, err := first.db.ListIssues(context.Background(), proj.ProjectID, 10, 0); err != nil || len(issues) != 0 {
		t.Fatalf("before the restart: %d issues (%v), want none", len(issues), err)
	}
	if err := first.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	second := testServerWith(t, cfg)
	api := apiClient{t: t, base: "http://" + second.addr, token: proj.Token}
	issues := waitForCount(t, api, proj.Organization, proj.Project, n)
	if len(issues) != 4 {
		t.Errorf("%d issues, want 4", len(issues))
	}
	// Nothing more arrives later: no event was counted twice. A project's
	// records share a partition, consumed in order, so once an event sent
	// now is counted, any replay of the earlier ones would have been too.
	postEvent(t, second.addr, proj.ProjectID, proj.PublicKey, "restart test sentinel")
	waitUntil(t, func() (bool, string) {
		var issues []issueResp
		api.get(fmt.Sprintf("/api/0/projects/%s/%s/issues/?query=", proj.Organization, proj.Project), &issues)
		total, sentinel := 0, false
		for _, is := range issues {
			var c int
			fmt.Sscan(is.Count, &c)
			total += c
			sentinel = sentinel || strings.Contains(is.Title, "sentinel")
		}
		if sentinel && total != n+1 {
			t.Fatalf("%d events counted once the sentinel was, want %d", total, n+1)
		}
		return sentinel, fmt.Sprintf("%d events counted, the sentinel not yet", total)
	})
}

// With FAULTLINE_KAFKA_BROKERS set, Faultline uses that broker; health
// reports it when it goes away, and ingest and the workers recover when it
// comes back.
func TestExternalBrokerAndHealth(t *testing.T) {
	brokerDir := t.TempDir()
	broker, err := queue.StartEmbedded(queue.EmbeddedConfig{DataDir: brokerDir}, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			broker.Close()
		}
	})
	srv := testServerWith(t, config{
		Listen: "127.0.0.1:0", DatabaseURL: metadatatest.URL(t), ClickHouseURL: analyticstest.URL(t),
		KafkaBrokers: broker.Addr(), DataDir: t.TempDir(), SecretKey: testSecret,
	})
	if srv.broker != nil {
		t.Fatal("started an embedded broker although brokers were configured")
	}
	proj := metadatatest.Project(t, srv.db, testSecret)
	postEvent(t, srv.addr, proj.ProjectID, proj.PublicKey, "through the external broker")
	waitForCount(t, apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}, proj.Organization, proj.Project, 1)

	broker.Close()
	closed = true
	status, body := health(t, srv.addr)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"kafka"`) || strings.Contains(body, `"postgres"`) {
		t.Fatalf("health with the broker gone: %d %s; want 503 naming kafka only", status, body)
	}
	// Ingest cannot promise to keep an event it cannot hand to Kafka: 503.
	resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, "{}\n{\"type\":\"event\"}\n{\"message\":\"lost?\"}", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "retry later") {
		t.Fatalf("ingest with the broker gone: %d %s (Retry-After %q); want 503 asking to retry", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}

	_, port, _ := strings.Cut(broker.Addr(), ":")
	var p int
	fmt.Sscan(port, &p)
	broker, err = queue.StartEmbedded(queue.EmbeddedConfig{DataDir: brokerDir, Port: p}, quietLog())
	if err != nil {
		t.Fatalf("restart broker on port %d: %v", p, err)
	}
	closed = false
	if status, body := health(t, srv.addr); status != http.StatusOK {
		t.Fatalf("health with the broker back: %d %s", status, body)
	}
	postEvent(t, srv.addr, proj.ProjectID, proj.PublicKey, "after the broker came back")
	waitForCount(t, apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}, proj.Organization, proj.Project, 2)
}

func health(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/.well-known/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
