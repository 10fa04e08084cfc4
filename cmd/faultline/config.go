package main

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/actors/monitor"
)

// config is every setting of faultline; each comes from a FAULTLINE_*
// environment variable and can be overridden by the flag of the same name.
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
	ProvisionFile        string
	SelfMonitor          string
	// Bounds of the workers and of the embedded broker.
	WorkerMaxBatch      string
	WorkerMaxBatchBytes string
	WorkerMaxInFlight   string
	BrokerRetention     string
	BrokerMaxBytes      string
	BrokerMinFree       string
	// Health answers show dependencies' error texts only when asked to.
	HealthDetails string

	roles            []string         // which roles this process runs; all when empty
	monitorTimeScale float64          // tests: monitors check this many times as often
	monitorClock     func() time.Time // tests: the time heartbeats and cron runs are judged at
	alertBackoff     []time.Duration  // tests: a shorter retry schedule for notifications
	slowCheckEvery   time.Duration    // tests: how often transactions' p95 is checked (a minute)
	outcomeFlush     time.Duration    // tests: how often outcome counts go to Kafka (10 s)
}

func (c *config) outcomeFlushEvery() time.Duration {
	if c.outcomeFlush > 0 {
		return c.outcomeFlush
	}
	return 10 * time.Second
}

func (c *config) slowEvery() time.Duration {
	if c.slowCheckEvery > 0 {
		return c.slowCheckEvery
	}
	return time.Minute
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
		{"worker-max-batch", "FAULTLINE_WORKER_MAX_BATCH", "2000", "records a worker takes from one partition at a time", &c.WorkerMaxBatch},
		{"worker-max-batch-bytes", "FAULTLINE_WORKER_MAX_BATCH_BYTES", "16MiB", "payload bytes a worker takes from one partition at a time", &c.WorkerMaxBatchBytes},
		{"worker-max-in-flight", "FAULTLINE_WORKER_MAX_IN_FLIGHT", "256MiB", "payload bytes a worker holds over all its partitions (plan about 4x this in memory)", &c.WorkerMaxInFlight},
		{"broker-retention", "FAULTLINE_BROKER_RETENTION", "24h", "embedded broker: how long records stay after the workers committed them (unconsumed records are never deleted)", &c.BrokerRetention},
		{"broker-max-bytes", "FAULTLINE_BROKER_MAX_BYTES", "10GiB", "embedded broker: past this size, consumed records are deleted whatever their age", &c.BrokerMaxBytes},
		{"broker-min-free", "FAULTLINE_BROKER_MIN_FREE", "", "embedded broker: free disk space below which ingest answers 503 (default 1GiB or 5% of the disk, whichever is smaller)", &c.BrokerMinFree},
		{"health-details", "FAULTLINE_HEALTH_DETAILS", "false", "health and readiness answers show each failed dependency's error text, which names hosts and paths (true or false; the log always has it)", &c.HealthDetails},
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

// brokers returns the external Kafka brokers, or nil for the embedded one.
func (c *config) brokers() []string {
	var out []string
	for _, b := range strings.Split(c.KafkaBrokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// publicURL is the base URL clients reach the server at, without a trailing slash.
func (c *config) publicURL() (*url.URL, error) {
	raw := c.URL
	if raw == "" {
		host, port, err := net.SplitHostPort(c.Listen)
		if err != nil {
			return nil, fmt.Errorf("listen address %q: %w", c.Listen, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		raw = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("FAULTLINE_URL %q is not an http(s) URL", raw)
	}
	return u, nil
}

// dsn builds the DSN an SDK uses for a project's key.
func (c *config) dsn(publicKey string, projectID int64) (string, error) {
	u, err := c.publicURL()
	if err != nil {
		return "", err
	}
	d := *u
	d.User = url.User(publicKey)
	d.Path = strings.TrimSuffix(u.Path, "/") + fmt.Sprintf("/%d", projectID)
	return d.String(), nil
}

// registration reports whether sign-up is open.
func (c *config) registration() bool {
	return strings.TrimSpace(c.Registration) == "" || truthy(c.Registration)
}

// monitorGuard is where uptime checks may connect.
func (c *config) monitorGuard() (monitor.Guard, error) {
	g := monitor.Guard{AllowPrivate: truthy(c.MonitorAllowPrivate)}
	for _, n := range strings.Split(c.MonitorAllowNetworks, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		p, err := netip.ParsePrefix(n)
		if err != nil {
			return g, fmt.Errorf("FAULTLINE_MONITOR_ALLOW_NETWORKS: %q is not a network such as 10.20.0.0/16", n)
		}
		g.Allow = append(g.Allow, p)
	}
	return g, nil
}

func truthy(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	return v == "true" || v == "1" || v == "yes" || v == "on"
}

// retentionDays reads FAULTLINE_MAX_EVENT_LIFE_DAYS: 1 to 36500 (a
// hundred years, far inside what a time.Duration holds).
func (c *config) retentionDays() (int, error) {
	d, err := strconv.Atoi(strings.TrimSpace(c.MaxEventLifeDays))
	if c.MaxEventLifeDays == "" {
		return 90, nil
	}
	if err != nil || d < 1 || d > 36500 {
		return 0, fmt.Errorf("FAULTLINE_MAX_EVENT_LIFE_DAYS: %q is not a number of days from 1 to 36500", c.MaxEventLifeDays)
	}
	return d, nil
}

// bounds are the worker's and the embedded broker's limits, parsed.
type bounds struct {
	workerMaxBatch                   int
	workerBatchBytes, workerInFlight int64
	brokerRetention                  time.Duration
	brokerMaxBytes, brokerMinFree    int64
}

// parseBounds reads the worker and broker settings, naming the one that is
// wrong. Empty settings take their defaults.
func (c *config) parseBounds() (bounds, error) {
	var b bounds
	var err error
	if c.WorkerMaxBatch != "" {
		if b.workerMaxBatch, err = strconv.Atoi(strings.TrimSpace(c.WorkerMaxBatch)); err != nil || b.workerMaxBatch < 1 || b.workerMaxBatch > 100_000 {
			return b, fmt.Errorf("FAULTLINE_WORKER_MAX_BATCH: %q is not a number of records from 1 to 100000", c.WorkerMaxBatch)
		}
	}
	for _, s := range []struct {
		env, v string
		dst    *int64
	}{
		{"FAULTLINE_WORKER_MAX_BATCH_BYTES", c.WorkerMaxBatchBytes, &b.workerBatchBytes},
		{"FAULTLINE_WORKER_MAX_IN_FLIGHT", c.WorkerMaxInFlight, &b.workerInFlight},
		{"FAULTLINE_BROKER_MAX_BYTES", c.BrokerMaxBytes, &b.brokerMaxBytes},
		{"FAULTLINE_BROKER_MIN_FREE", c.BrokerMinFree, &b.brokerMinFree},
	} {
		if s.v == "" {
			continue
		}
		if *s.dst, err = parseBytes(s.v); err != nil {
			return b, fmt.Errorf("%s: %w", s.env, err)
		}
	}
	if c.BrokerRetention != "" {
		if b.brokerRetention, err = time.ParseDuration(strings.TrimSpace(c.BrokerRetention)); err != nil || b.brokerRetention <= 0 {
			return b, fmt.Errorf("FAULTLINE_BROKER_RETENTION: %q is not a duration such as 24h or 90m", c.BrokerRetention)
		}
	}
	if b.workerBatchBytes > 0 && b.workerInFlight > 0 && b.workerBatchBytes > b.workerInFlight {
		return b, fmt.Errorf("FAULTLINE_WORKER_MAX_BATCH_BYTES (%s) is larger than FAULTLINE_WORKER_MAX_IN_FLIGHT (%s)", c.WorkerMaxBatchBytes, c.WorkerMaxInFlight)
	}
	return b, nil
}

// parseBytes reads a size such as 512KiB, 16MiB, 10GiB, 1GB or 1048576.
func parseBytes(v string) (int64, error) {
	s := strings.TrimSpace(v)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size such as 16MiB, 10GiB or 1048576", v)
	}
	return n * mult, nil
}
