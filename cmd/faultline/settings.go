package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/actors"
	"github.com/faultline/faultline/actors/monitor"
	"github.com/faultline/faultline/frontend"
	"github.com/faultline/faultline/frontend/mail"
	"github.com/faultline/faultline/ingest/queue"
)

// settings are the FAULTLINE_* settings parsed and checked, in the types
// the components take. Only parse makes them.
type settings struct {
	listen            string
	publicURL         *url.URL // FAULTLINE_URL, or derived from listen when that is empty
	urlFromListen     bool     // publicURL follows the listen address (a :0 port resolves at start)
	databaseURL       string
	clickHouseURL     string
	clickHouseCluster string
	brokers           []string // external Kafka; nil runs the embedded broker
	dataDir           string
	secretKey         string
	logLevel          slog.Level
	registration      bool
	mailer            *mail.Mailer
	provisionFile     string
	selfMonitor       string // org/project, checked
	eventLifeDays     int
	auditDays         int
	healthDetails     bool
	compressRecords   bool
	pprofListen       string // loopback only, checked; empty: no profiles
	gcMinHeap         int64  // bytes; 0: the collector's own pacing
	shutdownDrain     time.Duration
	guard             monitor.Guard
	worker            actors.WorkerConfig // bounds only: brokers and alerts are filled at start
	broker            queue.EmbeddedConfig
	sso               []frontend.SSOProvider // client secrets resolved
	roles             []string
}

// maxEventLife is how long events are kept at most.
func (s settings) maxEventLife() time.Duration {
	return time.Duration(s.eventLifeDays) * 24 * time.Hour
}

// parse reads every setting, empty ones taking their defaults, and returns
// all the mistakes at once, each naming its setting and the form it takes.
// It opens nothing, so a mistake is reported before any store or listener.
func (c config) parse() (settings, error) {
	s := settings{
		listen: orDefault(c.Listen, "127.0.0.1:8000"), databaseURL: c.DatabaseURL, clickHouseURL: c.ClickHouseURL,
		clickHouseCluster: c.ClickHouseCluster, brokers: splitList(c.KafkaBrokers), dataDir: orDefault(c.DataDir, ".data"),
		secretKey: c.SecretKey, provisionFile: c.ProvisionFile, roles: c.roles,
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var err error
	if _, _, err := net.SplitHostPort(s.listen); err != nil {
		add(fmt.Errorf("FAULTLINE_LISTEN: %q is not an address such as 127.0.0.1:8000 or :8000", c.Listen))
	} else {
		s.urlFromListen = strings.TrimSpace(c.URL) == ""
		s.publicURL, err = publicURL(c.URL, s.listen)
		add(err)
	}
	s.logLevel, err = parseLogLevel(c.LogLevel)
	add(err)
	s.registration, err = parseBool("FAULTLINE_ENABLE_REGISTRATION", c.Registration, true)
	add(err)
	s.healthDetails, err = parseBool("FAULTLINE_HEALTH_DETAILS", c.HealthDetails, false)
	add(err)
	s.compressRecords, err = parseBool("FAULTLINE_COMPRESS_RECORDS", c.CompressRecords, true)
	add(err)
	if c.PprofListen != "" {
		s.pprofListen = c.PprofListen
		add(checkPprofAddr(c.PprofListen))
	}
	s.mailer, err = mail.New(c.SMTPURL, c.EmailFrom)
	add(err)
	if c.SelfMonitor != "" {
		if org, project, ok := strings.Cut(c.SelfMonitor, "/"); !ok || org == "" || project == "" || strings.Contains(project, "/") {
			add(fmt.Errorf("FAULTLINE_SELF_MONITOR: %q is not a project named as org/project", c.SelfMonitor))
		}
		s.selfMonitor = c.SelfMonitor
	}
	s.shutdownDrain, err = parseDuration("FAULTLINE_SHUTDOWN_DRAIN", c.ShutdownDrain, time.Second)
	add(err)
	s.eventLifeDays, err = parseInt("FAULTLINE_MAX_EVENT_LIFE_DAYS", c.MaxEventLifeDays, 90, 1, 36500, "a number of days")
	add(err)
	s.auditDays, err = parseInt("FAULTLINE_AUDIT_RETENTION_DAYS", c.AuditRetentionDays, 365, 1, 36500, "a number of days")
	add(err)
	s.guard.AllowPrivate, err = parseBool("FAULTLINE_MONITOR_ALLOW_PRIVATE", c.MonitorAllowPrivate, false)
	add(err)
	for _, n := range splitList(c.MonitorAllowNetworks) {
		p, err := netip.ParsePrefix(n)
		if err != nil {
			add(fmt.Errorf("FAULTLINE_MONITOR_ALLOW_NETWORKS: %q is not a network such as 10.20.0.0/16", n))
			continue
		}
		s.guard.Allow = append(s.guard.Allow, p)
	}
	if v := strings.TrimSpace(c.GCMinHeap); v == "0" || v == "off" {
		s.gcMinHeap = 0
	} else {
		s.gcMinHeap, err = parseSize("FAULTLINE_GC_MIN_HEAP", c.GCMinHeap, 256<<20)
		add(err)
	}
	s.worker.MaxBatch, err = parseInt("FAULTLINE_WORKER_MAX_BATCH", c.WorkerMaxBatch, 2000, 1, 100_000, "a number of records")
	add(err)
	s.worker.MaxBatchBytes, err = parseSize("FAULTLINE_WORKER_MAX_BATCH_BYTES", c.WorkerMaxBatchBytes, 16<<20)
	add(err)
	s.worker.MaxBytesInFlight, err = parseSize("FAULTLINE_WORKER_MAX_IN_FLIGHT", c.WorkerMaxInFlight, 256<<20)
	add(err)
	s.worker.Parsers, err = parseInt("FAULTLINE_WORKER_PARSERS", c.WorkerParsers, 0, 1, 1024, "a number of records")
	add(err)
	if s.worker.MaxBatchBytes > s.worker.MaxBytesInFlight && s.worker.MaxBytesInFlight > 0 {
		add(fmt.Errorf("FAULTLINE_WORKER_MAX_BATCH_BYTES (%s) is larger than FAULTLINE_WORKER_MAX_IN_FLIGHT (%s)",
			orDefault(c.WorkerMaxBatchBytes, "16MiB"), orDefault(c.WorkerMaxInFlight, "256MiB")))
	}
	// Single sign-on providers come from FAULTLINE_OIDC_PROVIDERS and from
	// the provisioning file's organizations, together; a slug defined
	// twice is a mistake naming both places.
	slugs := ssoSlugs{}
	var ssoErrs []error
	s.sso, ssoErrs = parseSSOProviders(c.OIDCProviders, slugs)
	errs = append(errs, ssoErrs...)
	if c.ProvisionFile != "" {
		fromFile, fileErrs := loadProvisionSSO(c.ProvisionFile, slugs)
		s.sso = append(s.sso, fromFile...)
		errs = append(errs, fileErrs...)
	}
	s.broker = queue.EmbeddedConfig{DataDir: s.dataDir}
	s.broker.Retention, err = parseDuration("FAULTLINE_BROKER_RETENTION", c.BrokerRetention, 24*time.Hour)
	add(err)
	s.broker.MaxBytes, err = parseSize("FAULTLINE_BROKER_MAX_BYTES", c.BrokerMaxBytes, 10<<30)
	add(err)
	s.broker.MinFreeBytes, err = parseSize("FAULTLINE_BROKER_MIN_FREE", c.BrokerMinFree, 0) // 0: the broker's default, which depends on the disk
	add(err)
	s.broker.Sync = queue.LogSync(strings.ToLower(strings.TrimSpace(c.BrokerSync))) // empty: the broker's default, which depends on the kernel
	add(s.broker.Validate())
	if len(errs) > 0 {
		return s, settingErrors(errs)
	}
	return s, nil
}

// parseForServe is parse for the server roles, which also need the secret
// key.
func (c config) parseForServe() (settings, error) {
	s, err := c.parse()
	var errs settingErrors
	if err != nil {
		errs = err.(settingErrors)
	}
	if s.secretKey == "" {
		errs = append(settingErrors{errors.New("FAULTLINE_SECRET_KEY is not set (use a long random string and keep it stable)")}, errs...)
	}
	if len(errs) > 0 {
		return s, errs
	}
	return s, nil
}

// settingErrors are every wrong setting, reported on one line.
type settingErrors []error

func (e settingErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e settingErrors) Unwrap() []error { return e }

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}

// splitList reads a comma-separated list, leaving out empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// publicURL is the base URL clients reach the server at, without a
// trailing slash: raw, or http://<listen> when raw is empty.
func publicURL(raw, listen string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		host, port, err := net.SplitHostPort(listen)
		if err != nil {
			return nil, fmt.Errorf("FAULTLINE_LISTEN: %q is not an address such as 127.0.0.1:8000 or :8000", listen)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		raw = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(strings.TrimSuffix(strings.TrimSpace(raw), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("FAULTLINE_URL: %q is not an http(s) URL such as https://faultline.example.com", raw)
	}
	return u, nil
}

// dsn builds the DSN an SDK uses for a project's key.
func (s settings) dsn(publicKey string, projectID int64) string {
	d := *s.publicURL
	d.User = url.User(publicKey)
	d.Path = strings.TrimSuffix(d.Path, "/") + fmt.Sprintf("/%d", projectID)
	return d.String()
}

// parseBool reads true/false, also as 1/0, yes/no and on/off; anything
// else is a mistake rather than false.
func parseBool(env, v string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return def, nil
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return def, fmt.Errorf("%s: %q is not true or false", env, v)
}

func parseLogLevel(v string) (slog.Level, error) {
	var l slog.Level
	if strings.TrimSpace(v) == "" {
		return slog.LevelInfo, nil
	}
	if err := l.UnmarshalText([]byte(strings.TrimSpace(v))); err != nil {
		return slog.LevelInfo, fmt.Errorf("FAULTLINE_LOG_LEVEL: %q is not debug, info, warn or error", v)
	}
	return l, nil
}

func parseInt(env, v string, def, lo, hi int, what string) (int, error) {
	if strings.TrimSpace(v) == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return def, fmt.Errorf("%s: %q is not %s from %d to %d", env, v, what, lo, hi)
	}
	return n, nil
}

func parseDuration(env, v string, def time.Duration) (time.Duration, error) {
	if strings.TrimSpace(v) == "" {
		return def, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d <= 0 {
		return def, fmt.Errorf("%s: %q is not a duration such as 24h or 90m", env, v)
	}
	return d, nil
}

func parseSize(env, v string, def int64) (int64, error) {
	if strings.TrimSpace(v) == "" {
		return def, nil
	}
	n, err := parseBytes(v)
	if err != nil {
		return def, fmt.Errorf("%s: %w", env, err)
	}
	return n, nil
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
