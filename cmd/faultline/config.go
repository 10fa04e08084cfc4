package main

import (
	"flag"
	"fmt"
	"os"
)

// config is every setting of faultline as given: each comes from a
// FAULTLINE_* environment variable and can be overridden by the flag of the
// same name. parse turns it into settings; nothing reads these strings
// elsewhere.
type config struct {
	Listen            string
	URL               string
	DatabaseURL       string
	ClickHouseURL     string
	ClickHouseCluster string
	KafkaBrokers      string
	DataDir           string
	SecretKey         string
	LogLevel          string
	Registration      string
	SMTPURL           string
	EmailFrom         string
	// Monitors may check private networks only when the operator says so.
	MonitorAllowPrivate  string
	MonitorAllowNetworks string
	MaxEventLifeDays     string
	AuditRetentionDays   string
	ProvisionFile        string
	SelfMonitor          string
	// Bounds of the workers and of the embedded broker.
	WorkerMaxBatch      string
	WorkerMaxBatchBytes string
	WorkerMaxInFlight   string
	WorkerParsers       string
	BrokerRetention     string
	BrokerMaxBytes      string
	BrokerMinFree       string
	BrokerSync          string
	// Health answers show dependencies' error texts only when asked to.
	HealthDetails   string
	CompressRecords string
	// Go profiles on a loopback listener of their own, off when empty.
	PprofListen string
	// The heap the garbage collector lets grow before it collects.
	GCMinHeap string
	// How long a graceful stop keeps answering open connections, with
	// Connection: close.
	ShutdownDrain string
	// OpenID Connect providers for single sign-on, a JSON array.
	OIDCProviders string

	roles []string // which roles this process runs; all when empty
}

type setting struct {
	flag, env, def, help string
	dst                  *string
}

func (c *config) settings() []setting {
	return []setting{
		{"listen", "FAULTLINE_LISTEN", "127.0.0.1:8000", "address the HTTP server listens on", &c.Listen},
		{"url", "FAULTLINE_URL", "", "public base URL, used in DSNs (default: http://<listen>)", &c.URL},
		{"database-url", "FAULTLINE_DATABASE_URL", "", "PostgreSQL URL, e.g. postgres://user@host:5432/faultline", &c.DatabaseURL},
		{"clickhouse-url", "FAULTLINE_CLICKHOUSE_URL", "", "ClickHouse native URL, e.g. clickhouse://host:9000/faultline", &c.ClickHouseURL},
		{"clickhouse-cluster", "FAULTLINE_CLICKHOUSE_CLUSTER", "", "ClickHouse cluster name: tables become replicated and distributed ON CLUSTER (empty: one node)", &c.ClickHouseCluster},
		{"kafka-brokers", "FAULTLINE_KAFKA_BROKERS", "", "comma-separated Kafka brokers; empty runs the embedded broker", &c.KafkaBrokers},
		{"data-dir", "FAULTLINE_DATA_DIR", ".data", "directory for the embedded broker's log", &c.DataDir},
		{"secret-key", "FAULTLINE_SECRET_KEY", "", "secret for tokens derived by the server; keep it stable and private", &c.SecretKey},
		{"log-level", "FAULTLINE_LOG_LEVEL", "info", "debug, info, warn or error", &c.LogLevel},
		{"enable-registration", "FAULTLINE_ENABLE_REGISTRATION", "true", "let anyone create an account (true or false)", &c.Registration},
		{"smtp-url", "FAULTLINE_SMTP_URL", "", "SMTP server for email, e.g. smtp://user:pass@host:587 (STARTTLS), smtps://...:465, smtp://host:25?tls=none", &c.SMTPURL},
		{"email-from", "FAULTLINE_EMAIL_FROM", "", "sender address of Faultline's email", &c.EmailFrom},
		{"provision-file", "FAULTLINE_PROVISION_FILE", "", "apply this provisioning file (see faultline provision) at start", &c.ProvisionFile},
		{"self-monitor", "FAULTLINE_SELF_MONITOR", "", "org/project whose cron monitor faultline-scheduler the schedulers check in to every minute", &c.SelfMonitor},
		{"max-event-life-days", "FAULTLINE_MAX_EVENT_LIFE_DAYS", "90", "days events, transactions, check results and outcomes are kept (organizations may keep fewer)", &c.MaxEventLifeDays},
		{"audit-retention-days", "FAULTLINE_AUDIT_RETENTION_DAYS", "365", "days audit log entries are kept, in every organization", &c.AuditRetentionDays},
		{"worker-max-batch", "FAULTLINE_WORKER_MAX_BATCH", "2000", "records a worker takes from one partition at a time", &c.WorkerMaxBatch},
		{"worker-max-batch-bytes", "FAULTLINE_WORKER_MAX_BATCH_BYTES", "16MiB", "payload bytes a worker takes from one partition at a time", &c.WorkerMaxBatchBytes},
		{"worker-max-in-flight", "FAULTLINE_WORKER_MAX_IN_FLIGHT", "256MiB", "payload bytes a worker holds over all its partitions (plan about 4x this in memory)", &c.WorkerMaxInFlight},
		{"worker-parsers", "FAULTLINE_WORKER_PARSERS", "", "records a worker parses at once (default: one per processor, less one when the process also serves ingest)", &c.WorkerParsers},
		{"broker-retention", "FAULTLINE_BROKER_RETENTION", "24h", "embedded broker: how long records stay after the workers committed them (unconsumed records are never deleted)", &c.BrokerRetention},
		{"broker-max-bytes", "FAULTLINE_BROKER_MAX_BYTES", "10GiB", "embedded broker: past this size, consumed records are deleted whatever their age", &c.BrokerMaxBytes},
		{"broker-min-free", "FAULTLINE_BROKER_MIN_FREE", "", "embedded broker: free disk space below which ingest answers 503 (default 1GiB or 5% of the disk, whichever is smaller)", &c.BrokerMinFree},
		{"broker-sync", "FAULTLINE_BROKER_SYNC", "", "embedded broker: how its log is made durable before an answer: filesystem (one syncfs of the log's file system at a time) or files (an fsync of each log file written); default filesystem on Linux 5.8 or later, files before", &c.BrokerSync},
		{"compress-records", "FAULTLINE_COMPRESS_RECORDS", "true", "send event records to Kafka S2-compressed; false while workers from before compressed records still consume (true or false)", &c.CompressRecords},
		{"health-details", "FAULTLINE_HEALTH_DETAILS", "false", "health and readiness answers show each failed dependency's error text, which names hosts and paths (true or false; the log always has it)", &c.HealthDetails},
		{"gc-min-heap", "FAULTLINE_GC_MIN_HEAP", "256MiB", "heap the garbage collector lets grow before collecting, whatever little is live: less CPU for more memory; 0: Go's own (GOGC) pacing", &c.GCMinHeap},
		{"pprof-listen", "FAULTLINE_PPROF_LISTEN", "", "loopback address (e.g. 127.0.0.1:6060) serving Go profiles at /debug/pprof/; empty: off", &c.PprofListen},
		{"shutdown-drain", "FAULTLINE_SHUTDOWN_DRAIN", "1s", "on SIGTERM, new connections are refused and open ones answered with Connection: close for at most this long before they are closed, so no client loses a request it is sending", &c.ShutdownDrain},
		{"oidc-providers", "FAULTLINE_OIDC_PROVIDERS", "", "single sign-on: a JSON array of OpenID Connect providers (see the README's Single sign-on)", &c.OIDCProviders},
		{"monitor-allow-private", "FAULTLINE_MONITOR_ALLOW_PRIVATE", "false", "let uptime monitors check private, loopback and link-local addresses (true or false)", &c.MonitorAllowPrivate},
		{"monitor-allow-networks", "FAULTLINE_MONITOR_ALLOW_NETWORKS", "", "comma-separated networks (CIDR) uptime monitors may check even though they are private, e.g. 10.20.0.0/16", &c.MonitorAllowNetworks},
	}
}

// register adds the flags named in only (all when empty) to fs, with the
// environment's values as defaults.
func (c *config) register(fs *flag.FlagSet, only ...string) {
	for _, s := range c.settings() {
		if len(only) > 0 && !contains(only, s.flag) {
			continue
		}
		def := s.def
		if v, ok := os.LookupEnv(s.env); ok {
			def = v
		}
		fs.StringVar(s.dst, s.flag, def, fmt.Sprintf("%s (%s)", s.help, s.env))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
