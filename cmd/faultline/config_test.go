package main

import (
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/queue"
)

func TestParseDefaults(t *testing.T) {
	s, err := config{}.parse()
	if err != nil {
		t.Fatal(err)
	}
	if s.listen != "127.0.0.1:8000" || s.publicURL.String() != "http://127.0.0.1:8000" || !s.urlFromListen || s.dataDir != ".data" ||
		s.logLevel != slog.LevelInfo || !s.registration || s.healthDetails || s.guard.AllowPrivate || s.eventLifeDays != 90 || s.auditDays != 365 ||
		s.brokers != nil || s.mailer.Configured() || !s.compressRecords || s.gcMinHeap != 256<<20 {
		t.Errorf("defaults: %+v", s)
	}
	if s.worker.MaxBatch != 2000 || s.worker.MaxBatchBytes != 16<<20 || s.worker.MaxBytesInFlight != 256<<20 {
		t.Errorf("worker defaults: %+v", s.worker)
	}
	if b := s.broker; b.DataDir != ".data" || b.Retention != 24*time.Hour || b.MaxBytes != 10<<30 || b.MinFreeBytes != 0 {
		t.Errorf("broker defaults: %+v", b)
	}
}

func TestParseTypes(t *testing.T) {
	s, err := config{Listen: ":9000", URL: "https://errors.example.com/", KafkaBrokers: " k1:9092, ,k2:9092 ", LogLevel: "debug",
		Registration: "no", HealthDetails: "ON", CompressRecords: "off", MonitorAllowPrivate: "1", MonitorAllowNetworks: "10.20.0.0/16, fd00::/8",
		MaxEventLifeDays: "30", AuditRetentionDays: "730", SelfMonitor: "acme/ops", WorkerMaxBatch: "500", WorkerMaxBatchBytes: "8MiB", WorkerMaxInFlight: "1GiB",
		BrokerRetention: "90m", BrokerMaxBytes: "10GB", BrokerMinFree: "1048576", BrokerSync: " Files"}.parse()
	if err != nil {
		t.Fatal(err)
	}
	if s.publicURL.String() != "https://errors.example.com" || s.urlFromListen || strings.Join(s.brokers, "|") != "k1:9092|k2:9092" ||
		s.logLevel != slog.LevelDebug || s.registration || !s.healthDetails || !s.guard.AllowPrivate || s.eventLifeDays != 30 || s.auditDays != 730 ||
		s.maxEventLife() != 30*24*time.Hour || s.selfMonitor != "acme/ops" || s.compressRecords {
		t.Errorf("parsed: %+v", s)
	}
	if want := []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("fd00::/8")}; len(s.guard.Allow) != 2 ||
		s.guard.Allow[0] != want[0] || s.guard.Allow[1] != want[1] {
		t.Errorf("networks: %v", s.guard.Allow)
	}
	if s.worker.MaxBatch != 500 || s.worker.MaxBatchBytes != 8<<20 || s.worker.MaxBytesInFlight != 1<<30 {
		t.Errorf("worker: %+v", s.worker)
	}
	if b := s.broker; b.Retention != 90*time.Minute || b.MaxBytes != 10e9 || b.MinFreeBytes != 1<<20 || b.Sync != queue.SyncFiles {
		t.Errorf("broker: %+v", b)
	}
	if got := s.dsn("abc", 7); got != "https://abc@errors.example.com/7" {
		t.Errorf("dsn: %s", got)
	}
	for v, want := range map[string]int64{"0": 0, "off": 0, " 64MiB ": 64 << 20, "1GB": 1e9} {
		if s, err := (config{GCMinHeap: v}).parse(); err != nil || s.gcMinHeap != want {
			t.Errorf("FAULTLINE_GC_MIN_HEAP=%q: %d, %v; want %d", v, s.gcMinHeap, err, want)
		}
	}
}

// Every wrong setting is reported at once, each naming the setting and the
// form it takes.
func TestParseNamesEveryMistake(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  config
		want []string
	}{
		{"listen", config{Listen: "8000"}, []string{"FAULTLINE_LISTEN", "127.0.0.1:8000"}},
		{"url", config{URL: "ftp://x"}, []string{"FAULTLINE_URL", "http(s) URL"}},
		{"log level", config{LogLevel: "loud"}, []string{"FAULTLINE_LOG_LEVEL", "debug, info, warn or error"}},
		{"registration", config{Registration: "nope"}, []string{"FAULTLINE_ENABLE_REGISTRATION", "true or false"}},
		{"health details", config{HealthDetails: "sure"}, []string{"FAULTLINE_HEALTH_DETAILS", "true or false"}},
		{"record compression", config{CompressRecords: "lz4"}, []string{"FAULTLINE_COMPRESS_RECORDS", "true or false"}},
		{"heap floor", config{GCMinHeap: "lots"}, []string{"FAULTLINE_GC_MIN_HEAP", "16MiB"}},
		{"profiles off loopback", config{PprofListen: "0.0.0.0:6060"}, []string{"FAULTLINE_PPROF_LISTEN", "loopback"}},
		{"allow private", config{MonitorAllowPrivate: "y"}, []string{"FAULTLINE_MONITOR_ALLOW_PRIVATE", "true or false"}},
		{"networks", config{MonitorAllowNetworks: "10.0.0.0/99"}, []string{"FAULTLINE_MONITOR_ALLOW_NETWORKS", "10.20.0.0/16"}},
		{"smtp", config{SMTPURL: "smtp://mail.example.com:587"}, []string{"FAULTLINE_EMAIL_FROM"}},
		{"self monitor", config{SelfMonitor: "acme"}, []string{"FAULTLINE_SELF_MONITOR", "org/project"}},
		{"event life", config{MaxEventLifeDays: "forever"}, []string{"FAULTLINE_MAX_EVENT_LIFE_DAYS", "1 to 36500"}},
		{"audit retention", config{AuditRetentionDays: "0"}, []string{"FAULTLINE_AUDIT_RETENTION_DAYS", "1 to 36500"}},
		{"zero batch", config{WorkerMaxBatch: "0"}, []string{"FAULTLINE_WORKER_MAX_BATCH", "1 to 100000"}},
		{"no parsers", config{WorkerParsers: "0"}, []string{"FAULTLINE_WORKER_PARSERS", "1 to 1024"}},
		{"negative size", config{BrokerMaxBytes: "-5GiB"}, []string{"FAULTLINE_BROKER_MAX_BYTES", "16MiB"}},
		{"overflowing size", config{BrokerMaxBytes: "99999999999TiB"}, []string{"FAULTLINE_BROKER_MAX_BYTES"}},
		{"not a size", config{BrokerMinFree: "lots"}, []string{"FAULTLINE_BROKER_MIN_FREE"}},
		{"not a duration", config{BrokerRetention: "1 day"}, []string{"FAULTLINE_BROKER_RETENTION", "24h or 90m"}},
		{"unknown log sync", config{BrokerSync: "sometimes"}, []string{"FAULTLINE_BROKER_SYNC", `"filesystem"`, `"files"`}},
		{"batch above budget", config{WorkerMaxBatchBytes: "1GiB", WorkerMaxInFlight: "64MiB"}, []string{"larger than FAULTLINE_WORKER_MAX_IN_FLIGHT"}},
		{"batch above default budget", config{WorkerMaxBatchBytes: "1GiB"}, []string{"larger than FAULTLINE_WORKER_MAX_IN_FLIGHT (256MiB)"}},
		{"all at once", config{LogLevel: "loud", MaxEventLifeDays: "0", BrokerMinFree: "lots"},
			[]string{"FAULTLINE_LOG_LEVEL", "FAULTLINE_MAX_EVENT_LIFE_DAYS", "FAULTLINE_BROKER_MIN_FREE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.parse()
			if err == nil {
				t.Fatalf("no error; want one naming %v", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestBooleanSettings(t *testing.T) {
	for v, want := range map[string]bool{"": true, "true": true, "TRUE": true, " yes ": true, "on": true, "1": true,
		"false": false, "0": false, "no": false, "off": false} {
		s, err := config{Registration: v}.parse()
		if err != nil || s.registration != want {
			t.Errorf("FAULTLINE_ENABLE_REGISTRATION=%q: %v, %v; want %v", v, s.registration, err, want)
		}
	}
}

// `faultline serve` with wrong settings names every one of them on one
// line, before it connects to anything (no store is reachable here).
func TestServeReportsEveryWrongSetting(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"serve", "--log-level", "loud", "--max-event-life-days", "0", "--health-details", "maybe",
		"--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"}, &stdout, &stderr)
	out := stderr.String()
	if code != 1 || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("exit %d, stderr %q; want 1 and one line", code, out)
	}
	for _, want := range []string{"cannot start: settings:", "FAULTLINE_LOG_LEVEL", "FAULTLINE_MAX_EVENT_LIFE_DAYS", "FAULTLINE_HEALTH_DETAILS",
		"FAULTLINE_SECRET_KEY"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr %q does not name %s", out, want)
		}
	}
	if strings.Contains(out, "postgres") {
		t.Errorf("stderr %q: the database was tried before the settings were checked", out)
	}
}

func TestWorkerParsersLeaveIngestAProcessor(t *testing.T) {
	for _, c := range []struct {
		set          int
		servesIngest bool
		procs, want  int
	}{
		{0, true, 2, 1},
		{0, true, 1, 1},
		{0, true, 8, 7},
		{0, false, 2, 2},
		{3, true, 2, 3},
	} {
		if got := workerParsers(c.set, c.servesIngest, c.procs); got != c.want {
			t.Errorf("workerParsers(%d, %v, %d) = %d, want %d", c.set, c.servesIngest, c.procs, got, c.want)
		}
	}
}
