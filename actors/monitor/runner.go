package monitor

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
	"github.com/prometheus/client_golang/prometheus"
)

// Store is the PostgreSQL side of monitors; *metadata.DB is one.
type Store interface {
	ClaimMonitors(ctx context.Context, runner string, ttl time.Duration) ([]metadata.Monitor, error)
	ReleaseMonitors(ctx context.Context, runner string) error
	SaveMonitorState(ctx context.Context, id int64, failures int, change *metadata.MonitorStateChange, isUp *bool, tlsReported *int) (bool, error)
	LastHeartbeat(ctx context.Context, id int64) (*time.Time, error)
	CronCheckIns(ctx context.Context, monitorID int64, since time.Time, limit int) ([]metadata.CronCheckIn, error)
}

// CheckStore keeps check results; *analytics.Store is one.
type CheckStore interface {
	InsertMonitorChecks(ctx context.Context, checks []analytics.MonitorCheck) error
}

// StateChange is a monitor going down or up, or its certificate nearing
// expiry, as recorded; alerts consume these.
type StateChange struct {
	Monitor metadata.Monitor
	Change  metadata.MonitorStateChange
}

// Config tunes a Runner.
type Config struct {
	ID      string        // this process's runner id; host and pid when empty
	Lease   time.Duration // how long a claim lasts without renewal; 30 s
	Sync    time.Duration // how often monitors are re-read and leases renewed; 10 s (÷ TimeScale)
	Guard   Guard
	RootCAs *x509.CertPool // trusted roots for checks; the system's when nil
	// Tests make time pass faster: periods between checks are divided by
	// TimeScale (1 when zero), and Clock (time.Now when nil) is the time
	// heartbeats and cron runs are judged at.
	TimeScale float64
	Clock     func() time.Time
	// Registerer takes the runner's metrics; nil registers them nowhere.
	Registerer prometheus.Registerer
}

// Runner checks its share of the monitors: every Sync it claims monitors
// in PostgreSQL (leases no other runner holds, up to a fair share of all
// monitors among the live runners), runs one actor per claimed monitor,
// updates actors whose monitor changed and stops those it no longer holds.
// Two runners never hold the same lease, so no monitor is checked twice.
type Runner struct {
	cfg     Config
	store   Store
	checks  *checkWriter
	notify  func(StateChange)
	metrics *monitorMetrics
	log     *slog.Logger
}

// NewRunner returns a runner; Run starts it. notify, which may be nil, is
// called with every state change.
func NewRunner(cfg Config, store Store, checks CheckStore, notify func(StateChange), log *slog.Logger) *Runner {
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.ID == "" {
		cfg.ID = defaultRunnerID()
	}
	if cfg.TimeScale <= 0 {
		cfg.TimeScale = 1
	}
	if cfg.Sync <= 0 {
		cfg.Sync = time.Duration(float64(10*time.Second) / cfg.TimeScale)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	m := newMonitorMetrics(cfg.Registerer)
	return &Runner{cfg: cfg, store: store, checks: &checkWriter{store: checks, panics: m.monitorPanics, log: log}, notify: notify, metrics: m,
		log: log.With("component", "monitors")}
}

// deps is what every monitor actor shares.
type deps struct {
	inFlight sync.WaitGroup // checks in flight, waited for at shutdown
	scale    float64
	now      func() time.Time
	checker  *Checker
	store    Store
	checks   *checkWriter
	notify   func(StateChange)
	metrics  *monitorMetrics
	log      *slog.Logger
}

// Run checks monitors until ctx ends, then gives its leases back.
func (r *Runner) Run(ctx context.Context) error {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return r.log }))
	d := &deps{scale: r.cfg.TimeScale, now: r.cfg.Clock, checker: &Checker{Guard: r.cfg.Guard, RootCAs: r.cfg.RootCAs}, store: r.store, checks: r.checks, notify: r.notify, metrics: r.metrics, log: r.log}
	running := map[int64]*held{}
	flushDone := make(chan struct{})
	go func() { r.checks.run(ctx); close(flushDone) }()
	defer func() {
		for _, h := range running {
			_ = system.Root.StopFuture(h.pid).Wait()
		}
		system.Shutdown()
		d.inFlight.Wait() // stopped actors cancelled their checks; let them end
		<-flushDone
		releaseCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.store.ReleaseMonitors(releaseCtx, r.cfg.ID); err != nil {
			r.log.Warn("releasing monitor leases failed", "err", err)
		}
	}()
	r.log.Info("monitor runner started", "runner", r.cfg.ID)
	ticker := time.NewTicker(r.cfg.Sync)
	defer ticker.Stop()
	for {
		if err := r.sync(ctx, system, d, running); err != nil && ctx.Err() == nil {
			r.log.Warn("claiming monitors failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

type held struct {
	pid     *actor.PID
	updated time.Time
}

// sync claims this runner's share and makes the actors match it.
func (r *Runner) sync(ctx context.Context, system *actor.ActorSystem, d *deps, running map[int64]*held) error {
	monitors, err := r.store.ClaimMonitors(ctx, r.cfg.ID, r.cfg.Lease)
	if err != nil {
		// Without a renewed lease another runner may take these monitors
		// soon; stop checking them rather than check twice.
		for id, h := range running {
			system.Root.Stop(h.pid)
			delete(running, id)
		}
		return err
	}
	keep := map[int64]bool{}
	for _, m := range monitors {
		keep[m.ID] = true
		h, ok := running[m.ID]
		switch {
		case !ok:
			m := m
			pid := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return newMonitorActor(m, d) }))
			running[m.ID] = &held{pid: pid, updated: m.UpdatedAt}
		case !h.updated.Equal(m.UpdatedAt):
			system.Root.Send(h.pid, &update{m: m})
			h.updated = m.UpdatedAt
		}
	}
	for id, h := range running {
		if !keep[id] {
			system.Root.Stop(h.pid)
			delete(running, id)
		}
	}
	r.metrics.monitorsHeld.Set(float64(len(running)))
	return nil
}

// runRecovered is run with a panic (a bug some monitor's settings lead a
// check or a schedule into) turned into no verdict, logged and counted,
// instead of the end of the process: the check runs on a goroutine of its
// own, out of the actor's mailbox.
func (d *deps) runRecovered(ctx context.Context, m metadata.Monitor) (r Result, known bool) {
	defer func() {
		if p := recover(); p != nil {
			d.metrics.monitorPanics.WithLabelValues("check").Inc()
			d.log.Error("monitor check panicked; no verdict this time", "monitor", m.ID, "kind", m.Kind, "panic", fmt.Sprint(p),
				"stack", string(debug.Stack()))
			r, known = Result{}, false
		}
	}()
	return d.run(ctx, m)
}

// run checks one monitor once, by its kind.
func (d *deps) run(ctx context.Context, m metadata.Monitor) (Result, bool) {
	switch m.Kind {
	case "heartbeat":
		last, err := d.store.LastHeartbeat(ctx, m.ID)
		if err != nil {
			return Result{}, false
		}
		now := d.now()
		window := m.Interval + m.Timeout
		switch {
		case last != nil && now.Sub(*last) <= window:
			return Result{At: now, Up: true}, true
		case last != nil:
			return Result{At: now, Reason: fmt.Sprintf("no heartbeat since %s", last.UTC().Format(time.RFC3339))}, true
		case now.Sub(m.CreatedAt) > window:
			return Result{At: now, Reason: "no heartbeat received yet"}, true
		}
		return Result{}, false
	case "cron":
		now := d.now()
		checkIns, err := d.store.CronCheckIns(ctx, m.ID, now.Add(-35*24*time.Hour), 5)
		if err != nil {
			return Result{}, false
		}
		runs := make([]Run, len(checkIns))
		for i, c := range checkIns {
			runs[i] = Run{Status: c.Status, Started: c.Started}
		}
		return EvaluateCron(CronSchedule{Type: m.ScheduleType, Value: m.Schedule, Timezone: m.Timezone, Margin: m.CheckinMargin,
			MaxRuntime: m.MaxRuntime, Since: m.CreatedAt}, runs, now)
	}
	return d.checker.Check(ctx, Spec{Kind: m.Kind, URL: m.URL, Method: m.Method, Body: m.Body, Headers: m.Headers,
		StatusMin: m.StatusMin, StatusMax: m.StatusMax, Keyword: m.Keyword, KeywordAbsent: m.KeywordAbsent,
		FollowRedirects: m.FollowRedirects, Timeout: m.Timeout}), true
}

// checkWriter batches check results into ClickHouse once a second.
type checkWriter struct {
	store   CheckStore
	panics  *prometheus.CounterVec
	log     *slog.Logger
	mu      sync.Mutex
	pending []analytics.MonitorCheck
}

func (w *checkWriter) add(c analytics.MonitorCheck) {
	w.mu.Lock()
	w.pending = append(w.pending, c)
	w.mu.Unlock()
}

func (w *checkWriter) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			w.flush(flushCtx)
			cancel()
			return
		case <-t.C:
			w.flush(ctx)
		}
	}
}

// flush stores the pending checks. A panic while storing them drops the
// batch (logged and counted): the next flush starts afresh.
func (w *checkWriter) flush(ctx context.Context) {
	w.mu.Lock()
	batch := w.pending
	w.pending = nil
	w.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			w.panics.WithLabelValues("check_writer").Inc()
			w.log.Error("storing monitor checks panicked; dropping them", "checks", len(batch), "panic", fmt.Sprint(p),
				"stack", string(debug.Stack()))
		}
	}()
	if err := w.store.InsertMonitorChecks(ctx, batch); err != nil {
		if errors.Is(err, context.Canceled) {
			return
		}
		w.log.Warn("storing monitor checks failed; keeping them for the next flush", "err", err, "checks", len(batch))
		w.mu.Lock()
		if len(w.pending) < 100_000 {
			w.pending = append(batch, w.pending...)
		}
		w.mu.Unlock()
	}
}

func defaultRunnerID() string {
	host, _ := os.Hostname()
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano()%1_000_000, 36)
}
