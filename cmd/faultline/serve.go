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
	"runtime"
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
	"github.com/faultline/faultline/ingest/symbolicate"
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
	set, err := cfg.parseForServe()
	if err != nil {
		return fmt.Errorf("cannot start: settings: %w", err)
	}
	log := newLogger(stderr, set.logLevel)
	limitMemory(log)
	startHeapFloor(uint64(set.gcMinHeap), log)
	stopProfiler, err := startProfiler(set.pprofListen, log)
	if err != nil {
		return fmt.Errorf("cannot start: %w", err)
	}
	defer stopProfiler()
	srv, err := startParsed(ctx, set, log, timing{})
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
	listener     net.Listener
	drainer      drainer
	drainWindow  time.Duration
	wg           sync.WaitGroup
	mu           sync.Mutex
	errs         []error
}

// startServer checks every setting (failing with all the mistakes, before
// anything is opened), connects to every dependency (failing with the name
// of the first that does not answer), applies migrations, and starts the
// workers and the HTTP server. Stop it with stop.
func startServer(ctx context.Context, cfg config, log *slog.Logger) (*server, error) {
	return startServerTimed(ctx, cfg, log, timing{})
}

// startServerTimed is startServer with the periods of the scheduler's
// loops set by t; production runs with the zero timing (their defaults).
func startServerTimed(ctx context.Context, cfg config, log *slog.Logger, t timing) (*server, error) {
	set, err := cfg.parseForServe()
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	return startParsed(ctx, set, log, t)
}

// startParsed starts the server on settings parseForServe already checked.
func startParsed(ctx context.Context, set settings, log *slog.Logger, t timing) (_ *server, err error) {
	t = t.withDefaults()
	public := set.publicURL
	if len(set.roles) == 0 {
		set.roles = allRoles
	}
	s := &server{url: public.String(), log: log, roles: set.roles, metrics: newRegistry(), drainWindow: set.shutdownDrain}
	s.panics = newLoopPanics(s.metrics)
	defer func() {
		if err != nil {
			s.closeDeps()
		}
	}()
	if s.db, s.store, err = openForRoles(ctx, set, s.roles, s.metrics, log); err != nil {
		return nil, err
	}
	if set.provisionFile != "" && s.has(roleWeb) {
		report, err := provision(ctx, s.db, set.provisionFile)
		if err != nil {
			return nil, err
		}
		log.Info("provisioned", "file", set.provisionFile, "report", report)
	}
	s.brokers = set.brokers
	needsKafka := s.has(roleIngest) || s.has(roleWorker)
	if len(s.brokers) == 0 && needsKafka {
		if len(s.roles) != len(allRoles) {
			return nil, errors.New("kafka: the embedded broker runs only with `faultline serve`; set FAULTLINE_KAFKA_BROKERS for separate roles")
		}
		bcfg := set.broker
		bcfg.Registerer = s.metrics
		if s.broker, err = queue.StartEmbedded(bcfg, log); err != nil {
			return nil, fmt.Errorf("kafka: %w", err)
		}
		s.brokers = []string{s.broker.Addr()}
	}
	if needsKafka {
		if err := queue.EnsureTopics(ctx, s.brokers); err != nil {
			return nil, fmt.Errorf("kafka: %w", err)
		}
		s.producer = queue.NewWriter(s.brokers, s.dial())
	}

	blobs, err := blob.NewDir(filepath.Join(set.dataDir, "attachments"))
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}

	ln, err := net.Listen("tcp", set.listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", set.listen, err)
	}
	s.addr, s.listener = ln.Addr().String(), ln
	if set.urlFromListen { // a :0 listen address resolves to the real port
		if public, err = publicURL("", s.addr); err != nil {
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
		s.outcomes = queue.NewOutcomeCounter(s.producer, t.outcomeFlush, log.With("role", "outcomes"))
		s.goRun("outcome counter", func() error { return s.outcomes.Run(workerCtx) })
	}
	var alertMail alert.Mailer
	if set.mailer.Configured() {
		alertMail = alertMailer{set.mailer}
	}
	dispatcher := alert.NewDispatcher(s.db, alert.DispatcherConfig{Guard: set.guard, Mailer: alertMail}, s.metrics,
		log.With("role", "alerts"))
	alerts := alert.NewEngine(s.db, s.store, alert.EngineConfig{BaseURL: s.url, OnFired: dispatcher.Nudge}, s.metrics, log.With("role", "alerts"))
	if s.has(roleWorker) {
		wcfg := set.worker
		wcfg.Brokers, wcfg.Dial, wcfg.Alerts, wcfg.Registerer = s.brokers, s.dial(), alerts, s.metrics
		wcfg.Parsers = workerParsers(wcfg.Parsers, s.has(roleIngest), runtime.GOMAXPROCS(0))
		// Minified JavaScript frames are mapped through the uploaded source
		// maps before grouping.
		wcfg.Symbolicator = symbolicate.NewSymbolicator(actors.NewSourceFiles(s.db, blobs), symbolicate.Options{Logger: log.With("role", "symbolicate")})
		worker := actors.NewWorker(wcfg, s.db, s.store, s.producer, s.outcomes, log.With("role", "worker"))
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
				return alerts.WatchTransactions(ctx, s.db, s.store, t.slowCheckEvery)
			}, log.With("role", "alerts"))
		})
		s.goRun("crash-free rates", func() error {
			return s.supervise(workerCtx, "crash-free rates", func(ctx context.Context) error {
				return alerts.WatchCrashFreeRate(ctx, s.db, s.store, t.crashFreeCheckEvery)
			}, log.With("role", "alerts"))
		})
		s.purger = actors.NewPurger(s.db, s.store, time.Minute, log.With("role", "purger"))
		s.goRun("purger", func() error { return s.supervise(workerCtx, "purger", s.purger.Run, log.With("role", "purger")) })
		merges := actors.NewMergeMover(s.db, s.store, mergeMoveEvery, log.With("role", "merges"))
		s.goRun("merges", func() error { return s.supervise(workerCtx, "merges", merges.Run, log.With("role", "merges")) })
		monitors := monitor.NewRunner(monitor.Config{Guard: set.guard, TimeScale: t.monitorTimeScale, Clock: t.monitorClock, Registerer: s.metrics}, s.db, s.store, alerts.MonitorChanged, log.With("role", "monitors"))
		s.goRun("monitors", func() error { return s.supervise(workerCtx, "monitors", monitors.Run, log.With("role", "monitors")) })
		s.goRun("alert dispatcher", func() error {
			return s.supervise(workerCtx, "alert dispatcher", dispatcher.Run, log.With("role", "alerts"))
		})
		chunks := actors.NewChunkSweeper(s.db, blobs, time.Hour, 24*time.Hour, log.With("role", "chunk-sweeper"))
		s.goRun("chunk sweeper", func() error {
			return s.supervise(workerCtx, "chunk sweeper", chunks.Run, log.With("role", "chunk-sweeper"))
		})
		retention := actors.NewRetention(s.db, s.store, set.eventLifeDays, set.auditDays, time.Hour, s.metrics, log.With("role", "retention"))
		s.goRun("retention", func() error { return s.supervise(workerCtx, "retention", retention.Run, log.With("role", "retention")) })
		if set.selfMonitor != "" {
			s.goRun("self-monitor", func() error {
				return selfMonitor(workerCtx, s.db, set.selfMonitor, time.Minute, log.With("role", "self-monitor"))
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
	s.app.Server().ConnState = s.drainer.connState
	s.app.Use(s.drainer.middleware)
	s.app.Use(requestid.New()) // X-Request-Id on every answer, and in the error log
	s.app.Use(frontend.Recover(s.metrics, log))
	s.app.Use(frontend.SecurityHeaders(public.Scheme == "https"))
	frontend.RegisterOps(s.app, s.checks(), s.isReady, frontend.OpsOptions{Details: set.healthDetails, Metrics: s.metrics}, log.With("role", "health"))
	if s.has(roleIngest) {
		hcfg := ingest.HandlerConfig{Limits: ingest.DefaultLimits, Quotas: quotaSource{s.db, s.store}, PlainRecords: !set.compressRecords}
		if s.broker != nil {
			hcfg.Writable = s.broker.Writable
		}
		ingest.NewHandler(keyLookup{s.db}, s.producer, blobs, s.outcomes, hcfg, s.metrics, log.With("role", "ingest")).Register(s.app)
	}
	if s.has(roleWeb) {
		apiOpts := frontend.Options{PublicURL: s.url, Registration: set.registration, SecureCookies: public.Scheme == "https", Mailer: set.mailer,
			SecretKey: set.secretKey, MonitorHostCheck: set.guard.CheckHost, MaxEventLife: set.maxEventLife(), Registerer: s.metrics,
			SSO: set.sso}
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
	s.ready.Store(false)
	if s.listener != nil {
		_ = s.listener.Close() // new connections are refused from now on
	}
	drainStart := time.Now()
	ended, open := s.drainer.drain(s.drainWindow)
	s.log.Info("connections drained", "ended", ended, "left_open", open, "took", time.Since(drainStart))
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

// dial is how this process's Kafka clients reach the brokers: the embedded
// broker in process, without a socket; external brokers over TCP (nil).
func (s *server) dial() queue.DialFunc {
	if s.broker == nil {
		return nil
	}
	return s.broker.Dial
}

// workerParsers is how many records the worker parses at once: as set
// (FAULTLINE_WORKER_PARSERS), else one per processor, but one fewer (and
// at least one) when the process also serves ingest, so that a burst of
// batches leaves ingest's requests a processor. On 2 cores it took the
// median p99 of accepting an event at 1,000 events/s from 76 to 41 ms.
func workerParsers(set int, servesIngest bool, procs int) int {
	switch {
	case set > 0:
		return set
	case servesIngest:
		return max(procs-1, 1)
	}
	return procs
}

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
