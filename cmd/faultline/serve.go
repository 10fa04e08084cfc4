package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline/faultline/actors"
	"github.com/faultline/faultline/actors/alert"
	"github.com/faultline/faultline/actors/monitor"
	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend"
	"github.com/faultline/faultline/frontend/mail"
	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/prometheus/client_golang/prometheus"
)

// Roles a process can play; serve plays them all.
const (
	roleIngest    = "ingest"    // the Sentry ingest endpoints, producing to Kafka
	roleWorker    = "worker"    // the Kafka consumers: grouping, storage, alert evaluation
	roleWeb       = "web"       // the /api/0/ API and the dashboard
	roleScheduler = "scheduler" // monitors, alert delivery, slow transactions, retention
)

var allRoles = []string{roleIngest, roleWorker, roleWeb, roleScheduler}

// mergeMoveEvery is how often the merge mover looks for merged issues
// whose events are still to move: how long after a merge its events may
// still show under the issues merged away.
const mergeMoveEvery = 5 * time.Second

// roleCommand runs `faultline serve` (every role) or one role's command.
func roleCommand(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.roles = allRoles
	if name != "serve" {
		cfg.roles = []string{name}
	}
	log := newLogger(stderr, cfg.LogLevel)
	srv, err := startServer(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("cannot start: %w", err)
	}
	switch {
	case srv.has(roleWeb):
		fmt.Fprintf(stdout, "Faultline is running: dashboard at %s/app/ (API at %s/api/0/)\n", srv.url, srv.url)
	default:
		fmt.Fprintf(stdout, "Faultline %s is running; health, readiness and metrics at http://%s/\n", name, srv.addr)
	}
	<-ctx.Done()
	log.Info("shutting down")
	return srv.stop()
}

// server is the roles of Faultline one process runs.
type server struct {
	url   string
	addr  string
	log   *slog.Logger
	roles []string

	db       *metadata.DB
	store    *analytics.Store
	broker   *queue.Embedded // nil with external brokers
	brokers  []string
	producer *queue.Writer
	outcomes *queue.OutcomeCounter
	purger   *actors.Purger
	worker   *actors.Worker // nil unless the process runs the worker role
	app      *fiber.App
	metrics  *prometheus.Registry   // served at /metrics
	panics   *prometheus.CounterVec // faultline_loop_panics_total, on metrics

	cancelWorker context.CancelFunc
	ready        atomic.Bool
	wg           sync.WaitGroup
	mu           sync.Mutex
	errs         []error
}

// startServer connects to every dependency (failing with the name of the
// first that does not answer), applies migrations, and starts the workers
// and the HTTP server. Stop it with stop.
func startServer(ctx context.Context, cfg config, log *slog.Logger) (_ *server, err error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("secret key: FAULTLINE_SECRET_KEY is not set (use a long random string and keep it stable)")
	}
	public, err := cfg.publicURL()
	if err != nil {
		return nil, err
	}
	mailer, err := mail.New(cfg.SMTPURL, cfg.EmailFrom)
	if err != nil {
		return nil, fmt.Errorf("email: %w", err)
	}
	if len(cfg.roles) == 0 {
		cfg.roles = allRoles
	}
	s := &server{url: public.String(), log: log, roles: cfg.roles, metrics: newRegistry()}
	s.panics = newLoopPanics(s.metrics)
	defer func() {
		if err != nil {
			s.closeDeps()
		}
	}()
	// Every setting is checked before anything is opened or started, so a
	// mistake is reported without touching the stores or leaking a listener.
	limits, err := cfg.parseBounds()
	if err != nil {
		return nil, err
	}
	guard, err := cfg.monitorGuard()
	if err != nil {
		return nil, err
	}
	days, err := cfg.retentionDays()
	if err != nil {
		return nil, err
	}
	if s.db, s.store, err = openForRoles(ctx, cfg, s.roles, s.metrics, log); err != nil {
		return nil, err
	}
	if cfg.ProvisionFile != "" && s.has(roleWeb) {
		report, err := provision(ctx, s.db, cfg.ProvisionFile)
		if err != nil {
			return nil, err
		}
		log.Info("provisioned", "file", cfg.ProvisionFile, "report", report)
	}
	s.brokers = cfg.brokers()
	needsKafka := s.has(roleIngest) || s.has(roleWorker)
	if len(s.brokers) == 0 && needsKafka {
		if len(s.roles) != len(allRoles) {
			return nil, errors.New("kafka: the embedded broker runs only with `faultline serve`; set FAULTLINE_KAFKA_BROKERS for separate roles")
		}
		if s.broker, err = queue.StartEmbedded(queue.EmbeddedConfig{DataDir: cfg.DataDir, Retention: limits.brokerRetention,
			MaxBytes: limits.brokerMaxBytes, MinFreeBytes: limits.brokerMinFree, Registerer: s.metrics}, log); err != nil {
			return nil, fmt.Errorf("kafka: %w", err)
		}
		s.brokers = []string{s.broker.Addr()}
	}
	if needsKafka {
		if err := queue.EnsureTopics(ctx, s.brokers); err != nil {
			return nil, fmt.Errorf("kafka: %w", err)
		}
		s.producer = queue.NewWriter(s.brokers)
	}

	blobs, err := blob.NewDir(filepath.Join(cfg.DataDir, "attachments"))
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	s.addr = ln.Addr().String()
	if cfg.URL == "" {
		cfg.Listen = s.addr // a :0 listen address resolves to the real port
		if public, err = cfg.publicURL(); err != nil {
			ln.Close()
			return nil, err
		}
		s.url = public.String()
	}

	// The workers and the outcome counter outlive HTTP: they stop after the
	// last request has been answered (see stop).
	workerCtx, cancel := context.WithCancel(context.Background())
	s.cancelWorker = cancel
	if needsKafka { // ingest counts what it takes; workers count what they reject
		s.outcomes = queue.NewOutcomeCounter(s.producer, cfg.outcomeFlushEvery(), log.With("role", "outcomes"))
		s.goRun("outcome counter", func() error { return s.outcomes.Run(workerCtx) })
	}
	alerts := alert.NewEngine(s.db, s.store, s.url, s.metrics, log.With("role", "alerts"))
	var alertMail alert.Mailer
	if mailer.Configured() {
		alertMail = alertMailer{mailer}
	}
	dispatcher := alert.NewDispatcher(s.db, guard, alertMail, s.metrics, log.With("role", "alerts"))
	if cfg.alertBackoff != nil {
		dispatcher.WithBackoff(cfg.alertBackoff)
	}
	alerts.OnFired(dispatcher.Nudge)
	if s.has(roleWorker) {
		worker := actors.NewWorker(actors.WorkerConfig{Brokers: s.brokers, Alerts: alerts, MaxBatch: limits.workerMaxBatch,
			MaxBatchBytes: limits.workerBatchBytes, MaxBytesInFlight: limits.workerInFlight, Registerer: s.metrics}, s.db, s.store, s.producer, s.outcomes, log.With("role", "worker"))
		s.worker = worker
		s.goRun("worker", func() error { return s.supervise(workerCtx, "worker", worker.Run, log.With("role", "worker")) })
		outcomeWriter := actors.NewOutcomeWriter(s.brokers, s.store, s.metrics, log.With("role", "outcome-writer"))
		s.goRun("outcome writer", func() error {
			return s.supervise(workerCtx, "outcome writer", outcomeWriter.Run, log.With("role", "outcome-writer"))
		})
	}
	if s.has(roleScheduler) {
		s.goRun("slow transactions", func() error {
			return s.supervise(workerCtx, "slow transactions", func(ctx context.Context) error {
				return alerts.WatchTransactions(ctx, s.db, s.store, cfg.slowEvery())
			}, log.With("role", "alerts"))
		})
		s.purger = actors.NewPurger(s.db, s.store, time.Minute, log.With("role", "purger"))
		s.goRun("purger", func() error { return s.supervise(workerCtx, "purger", s.purger.Run, log.With("role", "purger")) })
		merges := actors.NewMergeMover(s.db, s.store, mergeMoveEvery, log.With("role", "merges"))
		s.goRun("merges", func() error { return s.supervise(workerCtx, "merges", merges.Run, log.With("role", "merges")) })
		monitors := monitor.NewRunner(monitor.Config{Guard: guard, TimeScale: cfg.monitorTimeScale, Clock: cfg.monitorClock, Registerer: s.metrics}, s.db, s.store, alerts.MonitorChanged, log.With("role", "monitors"))
		s.goRun("monitors", func() error { return s.supervise(workerCtx, "monitors", monitors.Run, log.With("role", "monitors")) })
		s.goRun("alert dispatcher", func() error {
			return s.supervise(workerCtx, "alert dispatcher", dispatcher.Run, log.With("role", "alerts"))
		})
		retention := actors.NewRetention(s.db, s.store, days, time.Hour, s.metrics, log.With("role", "retention"))
		s.goRun("retention", func() error { return s.supervise(workerCtx, "retention", retention.Run, log.With("role", "retention")) })
		if cfg.SelfMonitor != "" {
			s.goRun("self-monitor", func() error {
				return selfMonitor(workerCtx, s.db, cfg.SelfMonitor, time.Minute, log.With("role", "self-monitor"))
			})
		}
	}

	s.app = fiber.New(fiber.Config{
		Immutable:             true,
		BodyLimit:             int(ingest.DefaultLimits.MaxEnvelopeBytes) + 1<<20,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		DisableStartupMessage: true,
		ErrorHandler:          frontend.ErrorHandler(log),
	})
	s.app.Use(requestid.New()) // X-Request-Id on every answer, and in the error log
	s.app.Use(frontend.Recover(s.metrics, log))
	s.app.Use(frontend.SecurityHeaders(public.Scheme == "https"))
	frontend.RegisterOps(s.app, s.checks(), s.isReady, frontend.OpsOptions{Details: truthy(cfg.HealthDetails), Metrics: s.metrics}, log.With("role", "health"))
	if s.has(roleIngest) {
		h := ingest.NewHandler(keyLookup{s.db}, s.producer, blobs, s.outcomes, ingest.DefaultLimits, s.metrics, log.With("role", "ingest")).
			WithQuotas(quotaSource{s.db, s.store})
		if s.broker != nil {
			h.WithWritable(s.broker.Writable)
		}
		h.Register(s.app)
	}
	if s.has(roleWeb) {
		apiOpts := frontend.Options{PublicURL: s.url, Registration: cfg.registration(), SecureCookies: public.Scheme == "https", Mailer: mailer,
			SecretKey: cfg.SecretKey, MonitorHostCheck: guard.CheckHost, MaxEventLife: time.Duration(days) * 24 * time.Hour, Registerer: s.metrics}
		api := frontend.NewAPI(s.db, s.store, blobs, apiOpts, log.With("role", "api"))
		api.Register(s.app)
		s.goRun("account mail", func() error { return api.Run(workerCtx) })
	}
	s.goRun("http", func() error { return s.app.Listener(ln) })
	s.ready.Store(true)
	log.Info("faultline started", "roles", s.roles, "listen", s.addr, "url", s.url, "kafka", s.brokers, "embedded_kafka", s.broker != nil)
	return s, nil
}

// supervise restarts a loop after a failure or a panic (a lost group
// membership, a broker that went away, a bug), backing off up to 30 s,
// until ctx ends. A consumer's uncommitted batch is replayed on restart,
// which is harmless; the scheduler's periodic loops simply run again.
func (s *server) supervise(ctx context.Context, name string, run func(context.Context) error, log *slog.Logger) error {
	delay := time.Second
	for {
		err := recovered(s.panics, name, log, func() error { return run(ctx) })
		if ctx.Err() != nil {
			return nil
		}
		log.Error("loop stopped; restarting", "loop", name, "err", err, "in", delay)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(delay*2, 30*time.Second)
	}
}

// goRun runs a role's loop on a goroutine of its own; stop waits for it.
// A panic in it is recovered, logged and counted like an error, and the
// other roles go on.
func (s *server) goRun(name string, fn func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := recovered(s.panics, name, s.log, fn); err != nil {
			s.log.Error("role stopped", "role", name, "err", err)
			s.mu.Lock()
			s.errs = append(s.errs, fmt.Errorf("%s: %w", name, err))
			s.mu.Unlock()
		}
	}()
}

// stop shuts down in order: no new requests, then the workers finish their
// batch, then the producer, the broker and the databases close.
func (s *server) stop() error {
	if err := s.app.ShutdownWithTimeout(10 * time.Second); err != nil {
		s.log.Warn("HTTP shutdown", "err", err)
	}
	s.cancelWorker()
	s.wg.Wait()
	s.closeDeps()
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}

func (s *server) closeDeps() {
	if s.producer != nil {
		_ = s.producer.Close()
	}
	if s.broker != nil {
		s.broker.Close()
	}
	if s.store != nil {
		_ = s.store.Close()
	}
	if s.db != nil {
		s.db.Close()
	}
}

// keyLookup adapts the metadata store to ingest's KeyLookup.
type keyLookup struct{ db *metadata.DB }

func (k keyLookup) LookupKey(ctx context.Context, publicKey string) (ingest.Key, error) {
	key, err := k.db.LookupKey(ctx, publicKey)
	if errors.Is(err, metadata.ErrNotFound) {
		return ingest.Key{}, ingest.ErrUnknownKey
	}
	return ingest.Key{ProjectID: key.ProjectID, Active: key.Active, RateLimit: key.RateLimit, RateWindow: key.RateWindow,
		AllowedOrigins: key.AllowedOrigins, OrgID: key.OrgID, OrgRateLimit: key.OrgRateLimit, OrgRateWindow: key.OrgRateWindow,
		KeepSensitiveData: !key.ScrubData}, err
}

// alertMailer sends alert email through Faultline's SMTP mailer.
type alertMailer struct{ m *mail.Mailer }

func (a alertMailer) Send(ctx context.Context, to, subject, text, html string) error {
	return a.m.Send(ctx, mail.Message{To: to, Subject: subject, Text: text, HTML: html})
}

// has reports whether the process runs role.
func (s *server) has(role string) bool { return slices.Contains(s.roles, role) }

// quotaSource gives ingest an organization's monthly limits (PostgreSQL)
// and usage (ClickHouse's outcomes).
type quotaSource struct {
	db    *metadata.DB
	store *analytics.Store
}

func (q quotaSource) Quota(ctx context.Context, orgID int64) (ingest.Quota, error) {
	limits, err := q.db.OrgQuotas(ctx, orgID)
	if err != nil {
		return ingest.Quota{}, err
	}
	out := ingest.Quota{Monthly: limits.Monthly, SpikeProtection: limits.SpikeProtection}
	if len(limits.Monthly) == 0 && !limits.SpikeProtection {
		return out, nil // nothing to count against
	}
	ids := make([]uint64, len(limits.ProjectIDs))
	for i, id := range limits.ProjectIDs {
		ids[i] = uint64(id)
	}
	usage, err := q.store.OrgUsage(ctx, ids, time.Now())
	if err != nil {
		return out, err
	}
	out.Month, out.Hour, out.HourAvg = usage.Month, usage.Hour, usage.HourAvg
	return out, nil
}

// isReady is the readiness the orchestrator sees: every role started and,
// for a worker, partitions assigned (migrations ran before anything listened).
func (s *server) isReady() bool {
	return s.ready.Load() && (s.worker == nil || s.worker.Ready())
}

// checks are the dependencies this process's roles cannot work without:
// ingest needs the broker and (embedded) its disk, workers the broker and
// both stores, web and scheduler PostgreSQL. Web pages that read
// ClickHouse answer 503 on their own while it is away.
func (s *server) checks() []frontend.Check {
	var checks []frontend.Check
	add := func(c frontend.Check) {
		if !slices.ContainsFunc(checks, func(have frontend.Check) bool { return have.Name == c.Name }) {
			checks = append(checks, c)
		}
	}
	kafka := frontend.Check{Name: "kafka", Ping: func(ctx context.Context) error { return queue.Ping(ctx, s.brokers) }}
	for _, role := range s.roles {
		switch role {
		case roleIngest:
			add(kafka)
			if s.broker != nil {
				// Readiness shows why ingest refuses ("free space below
				// the minimum"), without the paths the error names.
				add(frontend.Check{Name: "broker_disk", Ping: func(context.Context) error { return s.broker.Writable() }, Reason: queue.DiskReason})
			}
		case roleWorker:
			add(kafka)
			add(frontend.Check{Name: "postgres", Ping: s.db.Ping})
			add(frontend.Check{Name: "clickhouse", Ping: s.store.Ping})
		case roleWeb, roleScheduler:
			add(frontend.Check{Name: "postgres", Ping: s.db.Ping})
		}
	}
	return checks
}
