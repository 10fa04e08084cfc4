package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// separateRoles starts an embedded broker for the test and returns its
// address and a function that starts one role against it, with edit (if
// any) applied to the role's configuration.
func separateRoles(t *testing.T, edit func(*config)) (start func(role string) *server, brokers string) {
	t.Helper()
	broker, err := queue.StartEmbedded(queue.EmbeddedConfig{DataDir: t.TempDir()}, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	return func(role string) *server {
		cfg := testConfig(t)
		cfg.KafkaBrokers, cfg.roles = broker.Addr(), []string{role}
		if edit != nil {
			edit(&cfg)
		}
		return testServerWith(t, cfg)
	}, broker.Addr()
}

// Each role runs as its own process (here, its own server in the test)
// against one broker and the same databases: ingest takes an event, a
// worker groups it, web shows it, and none serves another's routes.
func TestSeparateRoles(t *testing.T) {
	start, _ := separateRoles(t, nil)
	ingestSrv, _, webSrv, _ := start(roleIngest), start(roleWorker), start(roleWeb), start(roleScheduler)
	proj := metadatatest.Project(t, webSrv.db, testSecret)
	postEvent(t, ingestSrv.addr, proj.ProjectID, proj.PublicKey, "handled by separate roles")
	web := apiClient{t: t, base: "http://" + webSrv.addr, token: proj.Token}
	issues := waitForCount(t, web, proj.Organization, proj.Project, 1)
	if issues[0].Title != "handled by separate roles" {
		t.Errorf("issue %+v", issues[0])
	}
	if code := (apiClient{t: t, base: "http://" + ingestSrv.addr, token: proj.Token}).get("/api/0/", nil); code != http.StatusNotFound {
		t.Errorf("the ingest process serves the API: %d", code)
	}
	if resp, _ := postEnvelope(t, webSrv.addr, proj.ProjectID, proj.PublicKey, "{}\n{\"type\":\"event\"}\n{}", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the web process takes events: %d", resp.StatusCode)
	}
	cfg := testConfig(t)
	cfg.roles = []string{roleWorker}
	if _, err := startServer(t.Context(), cfg, quietLog()); err == nil || !strings.Contains(err.Error(), "FAULTLINE_KAFKA_BROKERS") {
		t.Errorf("a worker without brokers: %v", err)
	}
}

// Every process answers readiness, request ids and Prometheus metrics; a
// scheduler checks in to its own cron monitor.
func TestReadinessAndMetrics(t *testing.T) {
	db := metadatatest.Open(t)
	proj := metadatatest.Project(t, db, testSecret)
	cfg := testConfig(t)
	cfg.SelfMonitor = proj.Organization + "/" + proj.Project
	srv := testServerWith(t, cfg)
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + srv.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Ready once the worker has its partitions (a second or so after start).
	waitUntil(t, func() (bool, string) {
		code, body := get("/.well-known/ready")
		return code == http.StatusOK, fmt.Sprintf("ready: %d %s", code, body)
	})
	resp, err := http.Get("http://" + srv.addr + "/api/0/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id on an answer")
	}
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	var self monitorResp
	waitUntil(t, func() (bool, string) {
		api.get("/api/0/organizations/"+proj.Organization+"/monitors/faultline-scheduler/", &self)
		return self.IsUp != nil && *self.IsUp, fmt.Sprintf("self monitor %+v", self)
	})
	postEvent(t, srv.addr, proj.ProjectID, proj.PublicKey, "counted in the metrics")
	waitForCount(t, apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}, proj.Organization, proj.Project, 1)
	code, body := get("/metrics")
	if code != http.StatusOK {
		t.Fatalf("metrics: %d", code)
	}
	for _, want := range []string{`faultline_ingest_requests_total{endpoint="envelope",status="200"}`, "faultline_ingest_produce_seconds_count",
		"faultline_worker_batch_records_count", "faultline_worker_batch_seconds_bucket", "faultline_project_actor_mailbox_messages",
		"faultline_consumer_lag{", "faultline_project_actors", "faultline_postgres_errors_total", "faultline_monitors_held", "go_goroutines",
		// One of each component's metrics, all on the server's registry.
		"faultline_password_hashes_shed_total", "faultline_broker_writable", "faultline_http_panics_total",
		"faultline_retention_passes_total", "faultline_ingest_stale_keys_total", "faultline_worker_dead_letters_total",
		"process_cpu_seconds_total", "promhttp_metric_handler_requests_total"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Log(fmt.Sprintf("%.2000s", body))
	}
}

// An organization's monthly quota refuses items past it with 429 and
// counts them as rate limited in the usage stats.
func TestMonthlyQuota(t *testing.T) {
	cfg := testConfig(t)
	tm := testTiming()
	tm.outcomeFlush = 200 * time.Millisecond
	srv := testServerTimed(t, cfg, tm)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	quotas := "/api/0/organizations/" + proj.Organization + "/quotas/"
	if code, detail := api.callDetail("PUT", quotas, `{"quotas":{"error":3},"spikeProtection":true}`); code != http.StatusOK {
		t.Fatalf("set quotas: %d %s", code, detail)
	}
	if code, _ := api.callDetail("PUT", quotas, `{"quotas":{"errors":3}}`); code != http.StatusBadRequest {
		t.Errorf("an unknown category: %d", code)
	}
	for i := range 5 {
		resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, "{}\n{\"type\":\"event\"}\n{\"message\":\"quota test\"}", nil)
		switch {
		case i < 3 && resp.StatusCode != http.StatusOK:
			t.Fatalf("event %d: %d %s", i+1, resp.StatusCode, body)
		case i >= 3 && (resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(resp.Header.Get("X-Sentry-Rate-Limits"), ":error:organization:usage_exceeded") ||
			resp.Header.Get("Retry-After") == ""):
			t.Fatalf("event %d past the quota: %d %q %s", i+1, resp.StatusCode, resp.Header.Get("X-Sentry-Rate-Limits"), body)
		}
	}
	waitUntil(t, func() (bool, string) {
		var stats struct {
			Groups []struct {
				By     map[string]string
				Totals map[string]int
			}
		}
		api.get("/api/0/organizations/"+proj.Organization+"/stats_v2/?statsPeriod=1h&interval=5m", &stats)
		got := map[string]int{}
		for _, g := range stats.Groups {
			if g.By["category"] == "error" {
				got[g.By["outcome"]] = g.Totals["sum(quantity)"]
			}
		}
		return got["accepted"] == 3 && got["rate_limited"] == 2, fmt.Sprintf("usage %v", got)
	})
	var q struct {
		Quotas          map[string]int
		SpikeProtection bool
		UsedThisMonth   map[string]int
	}
	api.get(quotas, &q)
	if q.Quotas["error"] != 3 || !q.SpikeProtection || q.UsedThisMonth["error"] != 3 {
		t.Errorf("quotas %+v", q)
	}
}
