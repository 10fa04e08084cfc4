package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// unreachableClickHouse is a ClickHouse URL nothing listens on.
const unreachableClickHouse = "clickhouse://127.0.0.1:1/faultline"

func getStatus(t *testing.T, addr, path string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// Roles start without the stores they do not need: ingest and web without
// ClickHouse (ingest then takes events, web serves what PostgreSQL holds),
// and their readiness ignores it; a worker, which stores every event in
// ClickHouse, refuses to start without it and says so.
func TestRolesStartWithoutClickHouse(t *testing.T) {
	start, brokers := separateRoles(t, func(cfg *config) { cfg.ClickHouseURL = unreachableClickHouse })
	ingestSrv, webSrv := start(roleIngest), start(roleWeb)
	for _, srv := range []*server{ingestSrv, webSrv} {
		if code, body := getStatus(t, srv.addr, "/.well-known/ready"); code != http.StatusOK {
			t.Errorf("%v without ClickHouse: ready answered %d %v", srv.roles, code, body)
		}
		if code, _ := getStatus(t, srv.addr, "/.well-known/live"); code != http.StatusOK {
			t.Errorf("%v: live answered %d", srv.roles, code)
		}
	}
	proj := metadatatest.Project(t, webSrv.db, testSecret)
	postEvent(t, ingestSrv.addr, proj.ProjectID, proj.PublicKey, "accepted while ClickHouse is away")
	web := apiClient{t: t, base: "http://" + webSrv.addr, token: proj.Token}
	if code := web.get("/api/0/organizations/"+proj.Organization+"/", nil); code != http.StatusOK {
		t.Errorf("web without ClickHouse: organization answered %d", code)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+webSrv.addr+"/api/0/organizations/"+proj.Organization+"/events-stats/?statsPeriod=1h&interval=5m", nil)
	req.Header.Set("Authorization", "Bearer "+proj.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var detail struct{ Detail string }
	_ = json.NewDecoder(resp.Body).Decode(&detail)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(detail.Detail, "ClickHouse") {
		t.Errorf("web without ClickHouse: events-stats answered %d %q, want 503 naming ClickHouse", resp.StatusCode, detail.Detail)
	}

	cfg := testConfig(t)
	cfg.KafkaBrokers, cfg.roles, cfg.ClickHouseURL = brokers, []string{roleWorker}, unreachableClickHouse
	if _, err := startServer(t.Context(), cfg, quietLog()); err == nil || !strings.Contains(err.Error(), "clickhouse") {
		t.Errorf("a worker without ClickHouse started or did not name it: %v", err)
	}
}

// With less free disk than the embedded broker's minimum, ingest answers
// 503 with the reason and Retry-After, and health and readiness name the
// disk with a short reason, not the error's paths; liveness stays ok.
func TestFullBrokerDiskRefusesEvents(t *testing.T) {
	cfg := testConfig(t)
	cfg.BrokerMinFree = "1000000TiB" // more than any disk has
	srv := testServerWith(t, cfg)
	proj := metadatatest.Project(t, srv.db, testSecret)
	resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, "{}\n{\"type\":\"event\"}\n{\"message\":\"disk full\"}", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "disk") {
		t.Errorf("event on a full broker disk: %d (Retry-After %q) %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	for _, path := range []string{"/.well-known/healthz", "/.well-known/ready"} {
		code, got := getStatus(t, srv.addr, path)
		failed, _ := got["failed"].(map[string]any)
		if code != http.StatusServiceUnavailable || failed["broker_disk"] != "free space below the minimum" {
			t.Errorf("%s with a full broker disk: %d %v", path, code, got)
		}
		if raw, _ := json.Marshal(got); strings.Contains(string(raw), cfg.DataDir) {
			t.Errorf("%s names the data directory: %s", path, raw)
		}
	}
	if code, _ := getStatus(t, srv.addr, "/.well-known/live"); code != http.StatusOK {
		t.Errorf("live with a full broker disk: %d", code)
	}
}

// FAULTLINE_HEALTH_DETAILS=true shows operators the failed dependency's
// error text in health answers.
func TestHealthDetails(t *testing.T) {
	cfg := testConfig(t)
	cfg.BrokerMinFree, cfg.HealthDetails = "1000000TiB", "true"
	srv := testServerWith(t, cfg)
	code, got := getStatus(t, srv.addr, "/.well-known/healthz")
	failed, _ := got["failed"].(map[string]any)
	if text, _ := failed["broker_disk"].(string); code != http.StatusServiceUnavailable || !strings.Contains(text, cfg.DataDir) {
		t.Errorf("healthz with details: %d %v, want the error naming %s", code, got, cfg.DataDir)
	}
}

// A wrong setting is reported before any store is opened: here the
// database cannot be reached, and the error must still name the setting.
func TestSettingsCheckedBeforeStores(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		set        func(*config)
	}{
		{"monitor networks", "FAULTLINE_MONITOR_ALLOW_NETWORKS", func(c *config) { c.MonitorAllowNetworks = "10.0.0.0/99" }},
		{"retention days", "FAULTLINE_MAX_EVENT_LIFE_DAYS", func(c *config) { c.MaxEventLifeDays = "forever" }},
		{"worker batch bytes", "FAULTLINE_WORKER_MAX_BATCH_BYTES", func(c *config) { c.WorkerMaxBatchBytes = "lots" }},
		{"log level", "FAULTLINE_LOG_LEVEL", func(c *config) { c.LogLevel = "loud" }},
		{"health details", "FAULTLINE_HEALTH_DETAILS", func(c *config) { c.HealthDetails = "maybe" }},
		{"self monitor", "FAULTLINE_SELF_MONITOR", func(c *config) { c.SelfMonitor = "acme" }},
		{"secret key", "FAULTLINE_SECRET_KEY", func(c *config) { c.SecretKey = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config{Listen: "127.0.0.1:0", SecretKey: testSecret, DataDir: t.TempDir(),
				DatabaseURL: "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", ClickHouseURL: unreachableClickHouse}
			tc.set(&cfg)
			_, err := startServer(t.Context(), cfg, quietLog())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("start: %v; want an error naming %s", err, tc.want)
			}
		})
	}
}
