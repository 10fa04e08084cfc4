package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/faultline/faultline/actors/alert"
	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/ingest/symbolicate"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// EventStore stores a batch's rows; *analytics.Store is one.
type EventStore interface {
	Insert(ctx context.Context, rows analytics.Rows) error
	DropStored(ctx context.Context, rows analytics.Rows) (analytics.Rows, int, error)
}

// eventIssues is an EventStore that can tell a stored event's issue, as
// *analytics.Store can: feedback that comes after its event is linked so.
type eventIssues interface {
	EventIssue(ctx context.Context, projectID uint64, eventID string) (uint64, error)
}

// WorkerConfig tunes the consumer. The defaults keep a worker's payload in
// hand under MaxBytesInFlight (256 MiB): parsed, an event takes a few
// times its JSON size, so plan about 1 GiB of memory per worker.
type WorkerConfig struct {
	Brokers []string
	// Dial connects to the brokers for fetches and offsets; nil dials TCP.
	// The embedded broker's process passes queue.Embedded.Dial.
	Dial    queue.DialFunc
	GroupID string        // consumer group; default "workers"
	MaxWait time.Duration // how long a batch may wait to fill; default 200ms
	// A batch is one partition's records, bounded by count and bytes:
	// 2,000 events of 500 KB would otherwise be a gigabyte.
	MaxBatch      int   // records per batch; default 2000
	MaxBatchBytes int64 // payload bytes per batch; default 16 MiB
	// MaxBytesInFlight bounds the payload held over every partition the
	// worker consumes; default 256 MiB.
	MaxBytesInFlight int64
	// CallTimeout is how long the project actors may work on a batch, plus
	// 2 s per MiB of it, before the batch is split; default 60 s.
	CallTimeout time.Duration
	Alerts      *alert.Engine // evaluates alert rules as events are grouped; nil for none
	// Symbolicator maps minified JavaScript frames to their original source
	// before grouping; nil leaves frames as they came.
	Symbolicator *symbolicate.Symbolicator
	// SymbolicationBudget bounds the time one batch spends symbolicating,
	// so a slow or failing source cannot hold a batch past CallTimeout:
	// events past it are grouped as they came. Default CallTimeout / 4.
	SymbolicationBudget time.Duration
	// Registerer takes the worker's metrics; nil registers them nowhere.
	Registerer prometheus.Registerer
	// Parsers is how many records the project actors parse at once, over
	// all of them; default GOMAXPROCS. A process that also answers ingest
	// does better with one fewer, so that requests find a processor free
	// (see parseTurns).
	Parsers int
}

// fetchBytes is the most one fetch asks the broker for.
const fetchBytes = 4 << 20

// minFetchBytes is the least a fetch asks for however well records
// compress.
const minFetchBytes = 64 << 10

// gatherBytes is what a fetch after a batch's first waits for: about 30
// error events as they travel (compressed), fewer than a batch holds, so
// a batch still closes on its records' count or bytes, not on its wait.
const gatherBytes = 64 << 10

// Worker consumes the events topic in a consumer group. Each partition it
// is assigned is consumed by a loop of its own (see partition), which hands
// each project's records to that project's actor, stores the rows (through
// a sink that joins partitions' rows into one ClickHouse insert) and
// commits the partition's offset only after PostgreSQL and ClickHouse both
// hold the batch.
type Worker struct {
	cfg        WorkerConfig
	issues     IssueStore
	events     EventStore
	deadLetter Producer
	outcomes   *queue.OutcomeCounter
	parsing    parseTurns // shared by the project actors
	metrics    *workerMetrics
	log        *slog.Logger

	system   *actor.ActorSystem
	mu       sync.Mutex // guards projects: partitions spawn actors concurrently
	projects map[int64]*actor.PID
	client   *kafka.Client
	budget   *byteBudget
	sink     *rowSink
	skipped  atomic.Int64  // replayed rows found already stored
	recent   *recentEvents // the events counted lately, shared by its actors
	assigned atomic.Bool   // the group gave this worker partitions, and it fetched

	// crashAt, when set (by tests), is called after each stage of a batch;
	// an error stops the worker there, as a crash would.
	crashAt func(stage string) error
	// onBatch, when set (by tests), sees every batch before it is processed.
	onBatch func(batch []kafka.Message)
}

// Producer writes to Kafka; *queue.Writer is one.
type Producer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// NewWorker returns a worker; Run starts it. Events it cannot process go to
// the dead-letter topic through deadLetter and count as invalid outcomes in
// outcomes, which may be nil.
func NewWorker(cfg WorkerConfig, issues IssueStore, events EventStore, deadLetter Producer, outcomes *queue.OutcomeCounter, log *slog.Logger) *Worker {
	if cfg.GroupID == "" {
		cfg.GroupID = "workers"
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 2000
	}
	if cfg.MaxBatchBytes <= 0 {
		cfg.MaxBatchBytes = 16 << 20
	}
	if cfg.MaxBytesInFlight <= 0 {
		cfg.MaxBytesInFlight = 256 << 20
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 200 * time.Millisecond
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = time.Minute
	}
	if cfg.SymbolicationBudget <= 0 {
		cfg.SymbolicationBudget = cfg.CallTimeout / 4
	}
	if cfg.Parsers <= 0 {
		cfg.Parsers = runtime.GOMAXPROCS(0)
	}
	return &Worker{cfg: cfg, issues: issues, events: events, deadLetter: deadLetter, outcomes: outcomes,
		parsing: newParseTurns(cfg.Parsers), metrics: newWorkerMetrics(cfg.Registerer), log: log,
		recent: newRecentEvents(recentEventsKept)}
}

// Run consumes until ctx is cancelled or a partition fails in a way a
// restart must mend (a commit refused outside a rebalance, a simulated
// crash). The project actors live as long as Run.
func (w *Worker) Run(ctx context.Context) error {
	parent := ctx
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	w.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return w.log.With("component", "actors")
	}))
	w.projects = map[int64]*actor.PID{}
	w.assigned.Store(false)
	defer w.stopActors()
	transport := &kafka.Transport{DialTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second, Dial: w.cfg.Dial}
	defer transport.CloseIdleConnections()
	w.client = &kafka.Client{Addr: kafka.TCP(w.cfg.Brokers...), Transport: transport, Timeout: 30 * time.Second}
	w.budget = newByteBudget(w.cfg.MaxBytesInFlight, w.metrics.workerBytesHeld)
	w.sink = newRowSink(w.events, 200*time.Millisecond, 2*time.Minute, w.metrics.sinkInserts, w.log)
	var helpers sync.WaitGroup
	defer helpers.Wait()
	helperCtx, stopHelpers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHelpers()
	// A panic in a helper or a partition loop stops the worker with an
	// error, which supervise answers with a restart.
	helpers.Go(func() {
		if err := w.metrics.recovered(w.log, "insert_sink", func() error { w.sink.run(helperCtx); return nil }); err != nil {
			fail(err)
		}
	})
	helpers.Go(func() {
		if err := w.metrics.recovered(w.log, "lag_monitor", func() error { newLagMonitor(w.client, w.cfg.GroupID, w.metrics, w.log).run(ctx); return nil }); err != nil {
			fail(err)
		}
	})

	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID: w.cfg.GroupID, Brokers: w.cfg.Brokers, Topics: []string{queue.EventsTopic}, StartOffset: kafka.FirstOffset,
		// A member that vanished (a crash, a broker restart) is noticed
		// within SessionTimeout; kafka-go's 30 s default left partitions
		// unconsumed for half a minute.
		SessionTimeout: 10 * time.Second, RebalanceTimeout: 10 * time.Second, HeartbeatInterval: time.Second,
		Timeout: 10 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("join consumer group %s: %w", w.cfg.GroupID, err)
	}
	defer group.Close()
	w.log.Info("worker consuming", "topic", queue.EventsTopic, "group", w.cfg.GroupID, "parsers", w.cfg.Parsers)
	for {
		gen, err := group.Next(ctx)
		if err != nil {
			if parent.Err() != nil {
				return nil
			}
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			if errors.Is(err, kafka.ErrGroupClosed) {
				return fmt.Errorf("consumer group %s: %w", w.cfg.GroupID, err)
			}
			// The group retries joining by itself (after a back-off when
			// the error was not a rebalance); it only reports the error.
			w.log.Warn("joining the consumer group failed; retrying", "group", w.cfg.GroupID, "err", err)
			continue
		}
		w.startGeneration(ctx, fail, gen)
	}
}

// startGeneration starts a loop for each partition the group assigned this
// worker. The loops end with the generation (a rebalance) or with ctx; a
// loop's failure stops the whole worker through fail.
func (w *Worker) startGeneration(ctx context.Context, fail context.CancelCauseFunc, gen *kafka.Generation) {
	assigned := gen.Assignments[queue.EventsTopic]
	w.assigned.Store(false)
	w.log.Info("partitions assigned", "generation", gen.ID, "partitions", len(assigned))
	var commitMu sync.Mutex // one commit at a time on the generation's connection
	for _, a := range assigned {
		p := &partition{w: w, id: a.ID, next: a.Offset}
		p.commit = func(ctx context.Context, offset int64) error {
			if err := w.crash("commit"); err != nil {
				return err
			}
			commitMu.Lock()
			defer commitMu.Unlock()
			return gen.CommitOffsets(map[string]map[int]int64{queue.EventsTopic: {p.id: offset}})
		}
		gen.Start(func(genCtx context.Context) {
			loopCtx, stop := context.WithCancel(ctx)
			defer stop()
			unlink := context.AfterFunc(genCtx, stop)
			defer unlink()
			if p.next < 0 { // nothing committed yet
				// On failure, 0 is out of range if retention moved on, and
				// the first fetch rewinds it.
				p.next, _ = w.firstOffset(loopCtx, p.id)
			}
			if err := w.metrics.recovered(w.log, "partition", func() error { return p.run(loopCtx) }); err != nil {
				if genCtx.Err() != nil && ctx.Err() == nil && !errors.Is(err, errCrashStage) {
					// The generation ended under the loop (a rebalance):
					// its batch is replayed by the partition's next owner.
					w.log.Info("partition released during a rebalance", "partition", p.id, "err", err)
					return
				}
				fail(fmt.Errorf("partition %d: %w", p.id, err))
			}
		})
	}
}

// errCrashStage marks errors from crashAt, which always stop the worker.
var errCrashStage = errors.New("stopped at a stage")

// firstOffset is the earliest offset the broker holds for a partition of
// the events topic.
func (w *Worker) firstOffset(ctx context.Context, partitionID int) (int64, error) {
	res, err := w.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		queue.EventsTopic: {kafka.FirstOffsetOf(partitionID)}}})
	if err != nil {
		return 0, fmt.Errorf("list offsets of partition %d: %w", partitionID, err)
	}
	for _, po := range res.Topics[queue.EventsTopic] {
		if po.Partition == partitionID && po.Error == nil {
			return po.FirstOffset, nil
		}
	}
	return 0, fmt.Errorf("partition %d: no earliest offset in the broker's answer", partitionID)
}

// callTimeout is how long the project actors may take for batch.
func (w *Worker) callTimeout(batch []kafka.Message) time.Duration {
	var n int
	for _, m := range batch {
		n += queue.PayloadLen(m)
	}
	return w.cfg.CallTimeout + time.Duration(n>>20)*2*time.Second
}

// storesAnswer reports whether PostgreSQL and ClickHouse answer a ping:
// a record is blamed for being slow only when they do.
func (w *Worker) storesAnswer(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, s := range []any{w.issues, w.events} {
		if p, ok := s.(interface{ Ping(context.Context) error }); ok && p.Ping(ctx) != nil {
			return false
		}
	}
	return true
}

// deadLetterSlow sends a record that cannot be processed in time (or
// without a panic) to the dead-letter topic and counts it as invalid with
// the given reason.
func (w *Worker) deadLetterSlow(ctx context.Context, m kafka.Message, reason error, outcome string) error {
	w.log.Error("record dead-lettered: it cannot be processed", "partition", m.Partition, "offset", m.Offset, "reason", reason)
	if err := w.metrics.retry(ctx, w.log, "write dead letters", func() error { return w.deadLetter.WriteMessages(ctx, queue.DeadLetter(m, reason)) }); err != nil {
		return err
	}
	w.metrics.deadLetters.Inc()
	if r, err := queue.Decode(m); err == nil {
		w.outcomes.Add(r.ProjectID, "error", "invalid", outcome, 1)
	}
	return nil
}

// process groups and stores one batch, retrying transient failures until it
// succeeds or ctx ends. Every step is idempotent, so a retry, like a replay
// after a crash, neither duplicates events nor double-counts issues. check
// says the batch may hold records already stored (a replay); reset that its
// partition was (re)assigned, so its projects' actors drop what they keep
// in memory, which another worker may have moved on from meanwhile. It
// returns errSlowBatch when the actors ran out of time: the caller splits.
func (w *Worker) process(ctx context.Context, batch []kafka.Message, check, reset bool) error {
	start := time.Now()
	w.sink.begin()
	defer w.sink.end()
	if w.onBatch != nil {
		w.onBatch(batch)
	}
	byProject := map[int64][]queue.Record{}
	sources := map[int64][]kafka.Message{}
	var dead []kafka.Message
	for _, m := range batch {
		r, err := queue.Decode(m)
		if err != nil {
			dead = append(dead, queue.DeadLetter(m, err))
			continue
		}
		byProject[r.ProjectID] = append(byProject[r.ProjectID], r)
		sources[r.ProjectID] = append(sources[r.ProjectID], m)
	}

	var rows analytics.Rows
	var rejectedBy map[int64]int
	timeout := w.callTimeout(batch)
	err := w.metrics.retry(ctx, w.log, "group events", func() error {
		rejectedBy = map[int64]int{}
		rows = analytics.Rows{}
		// The actors stop working on the batch when callCtx ends, so the
		// future (given a little longer) never gives up on work still
		// running: a retry never queues behind an unfinished call.
		callCtx, cancel := context.WithTimeoutCause(ctx, timeout, errSlowBatch)
		defer cancel()
		futures := map[int64]*actor.Future{}
		for pid, records := range byProject {
			futures[pid] = w.system.Root.RequestFuture(w.project(pid), &groupBatch{ctx: callCtx, records: records, reset: reset}, timeout+30*time.Second)
		}
		var errs []error
		var deadNow []kafka.Message
		for pid, f := range futures {
			res, err := f.Result()
			if err != nil {
				errs = append(errs, fmt.Errorf("project %d actor: %w", pid, err))
				continue
			}
			g := res.(*grouped)
			if g.err != nil {
				errs = append(errs, g.err)
				continue
			}
			rows.Add(g.rows)
			for _, rj := range g.rejected {
				deadNow = append(deadNow, queue.DeadLetter(sources[pid][rj.index], rj.reason))
				rejectedBy[pid]++
			}
		}
		if ctx.Err() == nil && (errors.Is(context.Cause(callCtx), errSlowBatch) || errors.Is(errors.Join(errs...), actor.ErrTimeout)) {
			return errSlowBatch
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		dead = append(dead, deadNow...)
		return nil
	})
	if err != nil {
		return err
	}
	if err := w.crash("grouped"); err != nil {
		return err
	}
	// A batch that may replay stored records, like a retry after a
	// partial insert, first drops what ClickHouse already holds.
	err = w.metrics.retry(ctx, w.log, "store rows", func() error {
		if check {
			var dropped int
			var err error
			if rows, dropped, err = w.events.DropStored(ctx, rows); err != nil {
				return err
			}
			if dropped > 0 {
				w.skipped.Add(int64(dropped))
				w.metrics.replaySkipped.Add(float64(dropped))
				w.log.Info("replayed rows already in ClickHouse skipped", "rows", dropped)
			}
		}
		check = true
		return w.sink.insert(ctx, rows)
	})
	if err != nil {
		return err
	}
	if len(dead) > 0 {
		w.metrics.deadLetters.Add(float64(len(dead)))
		for _, d := range dead {
			w.log.Warn("event sent to the dead-letter topic", "reason", headerValue(d, "error"), "source", headerValue(d, "source"))
		}
		if err := w.metrics.retry(ctx, w.log, "write dead letters", func() error { return w.deadLetter.WriteMessages(ctx, dead...) }); err != nil {
			return err
		}
	}
	if err := w.crash("stored"); err != nil {
		return err
	}
	for pid, n := range rejectedBy {
		w.outcomes.Add(pid, "error", "invalid", "processing_error", n)
	}
	w.metrics.batchRecords.Observe(float64(len(batch)))
	w.metrics.batchSeconds.Observe(time.Since(start).Seconds())
	w.log.Debug("batch processed", "partition", batch[0].Partition, "records", len(batch), "events", len(rows.Events),
		"transactions", len(rows.Transactions), "dead", len(dead), "projects", len(byProject), "took", time.Since(start))
	return nil
}

// Ready reports whether the worker has partitions assigned and fetches
// from them; a worker the group left without partitions is not ready.
func (w *Worker) Ready() bool { return w.assigned.Load() }

// ReplaySkipped counts the replayed rows this worker found already stored
// and did not insert again.
func (w *Worker) ReplaySkipped() int64 { return w.skipped.Load() }

func (w *Worker) crash(stage string) error {
	if w.crashAt == nil {
		return nil
	}
	if err := w.crashAt(stage); err != nil {
		return fmt.Errorf("%w %s: %w", errCrashStage, stage, err)
	}
	return nil
}

// project returns the project's actor, spawning it on first use.
func (w *Worker) project(id int64) *actor.PID {
	w.mu.Lock()
	defer w.mu.Unlock()
	if pid, ok := w.projects[id]; ok {
		return pid
	}
	props := actor.PropsFromProducer(func() actor.Actor {
		a := &projectActor{projectID: id, issues: w.issues, metrics: w.metrics, log: w.log.With("project", id),
			symbolicator: w.cfg.Symbolicator, symbolicationBudget: w.cfg.SymbolicationBudget, parsing: w.parsing,
			recent: w.recent}
		a.stored, _ = w.events.(eventIssues) // nil when the store cannot tell
		if w.cfg.Alerts != nil {
			a.alerts = w.cfg.Alerts.NewEvaluator(id)
		}
		return a
	}, actor.WithMailbox(actor.Unbounded(mailboxMeter{w.metrics.mailboxDepth})))
	pid, err := w.system.Root.SpawnNamed(props, "project-"+strconv.FormatInt(id, 10))
	if err != nil {
		// Only a name clash can fail here, and the map rules that out.
		panic(fmt.Sprintf("spawn project actor %d: %v", id, err))
	}
	w.projects[id] = pid
	w.metrics.projectActors.Inc()
	return pid
}

// stopActors lets every project actor finish what it holds, then stops it.
func (w *Worker) stopActors() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, pid := range w.projects {
		_ = w.system.Root.PoisonFuture(pid).Wait()
		w.metrics.projectActors.Dec()
	}
	w.system.Shutdown()
}

func headerValue(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// retry runs fn until it succeeds or ctx ends, backing off from 100 ms to 10 s.
func (m *workerMetrics) retry(ctx context.Context, log *slog.Logger, what string, fn func() error) error {
	delay := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || errors.Is(err, errSlowBatch) || errors.Is(err, errPanicked) || errors.Is(err, errCrashStage) {
			return err // a slow or panicking batch is split by the caller, not retried as it is
		}
		m.storeRetries.WithLabelValues(what).Inc()
		log.Warn("retrying", "what", what, "attempt", attempt, "err", err, "in", delay)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (gave up: %w)", what, err, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*time.Second)
	}
}
