package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/faultline/faultline/actors/alert"
	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/segmentio/kafka-go"
)

// EventStore stores a batch's rows; *analytics.Store is one.
type EventStore interface {
	Insert(ctx context.Context, rows analytics.Rows) error
	DropStored(ctx context.Context, rows analytics.Rows) (analytics.Rows, int, error)
}

// WorkerConfig tunes the consumer.
type WorkerConfig struct {
	Brokers  []string
	GroupID  string        // consumer group; default "workers"
	MaxBatch int           // records per batch; default 2000
	MaxWait  time.Duration // how long a batch may wait to fill; default 200ms
	Alerts   *alert.Engine // evaluates alert rules as events are grouped; nil for none
}

// Worker consumes the events topic in a consumer group, hands each project's
// records to that project's actor, stores the rows in one ClickHouse insert
// per batch and commits the batch's offsets only after PostgreSQL and
// ClickHouse both hold it.
type Worker struct {
	cfg        WorkerConfig
	issues     IssueStore
	events     EventStore
	deadLetter Producer
	outcomes   *queue.OutcomeCounter
	log        *slog.Logger

	system   *actor.ActorSystem
	projects map[int64]*actor.PID
	replay   replayWindow
	skipped  atomic.Int64 // replayed rows found already stored
	assigned atomic.Bool  // the group gave this worker partitions, and it fetches

	// crashAt, when set (by tests), is called after each stage of a batch;
	// an error stops the worker there, as a crash would.
	crashAt func(stage string) error
}

// Producer writes to Kafka; *kafka.Writer is one.
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
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 200 * time.Millisecond
	}
	return &Worker{cfg: cfg, issues: issues, events: events, deadLetter: deadLetter, outcomes: outcomes, log: log}
}

// Run consumes until ctx is cancelled or a batch cannot be committed. The
// project actors live as long as Run.
func (w *Worker) Run(ctx context.Context) error {
	w.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return w.log.With("component", "actors")
	}))
	w.projects = map[int64]*actor.PID{}
	w.replay = replayWindow{span: int64(2 * w.cfg.MaxBatch)}
	defer w.stopActors()

	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:        w.cfg.Brokers,
		GroupID:        w.cfg.GroupID,
		Topic:          queue.EventsTopic,
		MinBytes:       1,
		MaxBytes:       16 << 20,
		MaxWait:        100 * time.Millisecond,
		StartOffset:    kafka.FirstOffset,
		CommitInterval: 0, // commit synchronously, once per processed batch
		QueueCapacity:  w.cfg.MaxBatch,
		// A member that vanished (a crash, a broker restart) is noticed
		// within SessionTimeout; kafka-go's 30 s default left partitions
		// unconsumed for half a minute.
		SessionTimeout:    10 * time.Second,
		RebalanceTimeout:  10 * time.Second,
		HeartbeatInterval: time.Second,
	})
	defer reader.Close()
	// The reader fetches only from partitions the group assigned it: its
	// first fetch means it is ready. Its stats also give the lag.
	statsCtx, stopStats := context.WithCancel(ctx)
	defer stopStats()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-statsCtx.Done():
				return
			case <-t.C:
			}
			st := reader.Stats()
			if st.Fetches > 0 || st.Messages > 0 {
				w.assigned.Store(true)
			}
			consumerLag.WithLabelValues(st.Topic, st.Partition).Set(float64(st.Lag))
		}
	}()
	w.log.Info("worker consuming", "topic", queue.EventsTopic, "group", w.cfg.GroupID)
	for {
		batch, err := fetchBatch(ctx, reader, w.cfg.MaxBatch, w.cfg.MaxWait)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("fetch from Kafka: %w", err)
		}
		if err := w.process(ctx, batch); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := reader.CommitMessages(ctx, batch...); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("commit offsets: %w", err)
		}
	}
}

// fetchBatch blocks for the first message, then gathers up to maxBatch for
// at most maxWait.
func fetchBatch(ctx context.Context, r *kafka.Reader, maxBatch int, maxWait time.Duration) ([]kafka.Message, error) {
	first, err := r.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	batch := []kafka.Message{first}
	fillCtx, cancel := context.WithTimeout(ctx, maxWait)
	defer cancel()
	for len(batch) < maxBatch {
		m, err := r.FetchMessage(fillCtx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			break // the batch's time is up
		}
		batch = append(batch, m)
	}
	return batch, nil
}

// process groups and stores one batch, retrying transient failures until it
// succeeds or ctx ends. Every step is idempotent, so a retry, like a replay
// after a crash, neither duplicates events nor double-counts issues.
func (w *Worker) process(ctx context.Context, batch []kafka.Message) error {
	start := time.Now()
	// Partitions this worker (re)started with this batch (start-up, a
	// rebalance): their projects' actors drop what they keep in memory,
	// which another worker may have moved on from meanwhile.
	check, restarted := w.replay.suspect(batch)
	reset := map[int64]bool{}
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
		if restarted[m.Partition] {
			reset[r.ProjectID] = true
		}
	}

	var rows analytics.Rows
	var rejectedBy map[int64]int
	err := retry(ctx, w.log, "group events", func() error {
		rejectedBy = map[int64]int{}
		rows = analytics.Rows{}
		futures := map[int64]*actor.Future{}
		for pid, records := range byProject {
			futures[pid] = w.system.Root.RequestFuture(w.project(pid), &groupBatch{ctx: ctx, records: records, reset: reset[pid]}, time.Minute)
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
	err = retry(ctx, w.log, "store rows", func() error {
		if check {
			var dropped int
			var err error
			if rows, dropped, err = w.events.DropStored(ctx, rows); err != nil {
				return err
			}
			if dropped > 0 {
				w.skipped.Add(int64(dropped))
				replaySkipped.Add(float64(dropped))
				w.log.Info("replayed rows already in ClickHouse skipped", "rows", dropped)
			}
		}
		check = true
		return w.events.Insert(ctx, rows)
	})
	if err != nil {
		return err
	}
	if len(dead) > 0 {
		deadLetters.Add(float64(len(dead)))
		for _, d := range dead {
			w.log.Warn("event sent to the dead-letter topic", "reason", headerValue(d, "error"), "source", headerValue(d, "source"))
		}
		if err := retry(ctx, w.log, "write dead letters", func() error { return w.deadLetter.WriteMessages(ctx, dead...) }); err != nil {
			return err
		}
	}
	if err := w.crash("stored"); err != nil {
		return err
	}
	for pid, n := range rejectedBy {
		w.outcomes.Add(pid, "error", "invalid", "processing_error", n)
	}
	batchRecords.Observe(float64(len(batch)))
	batchSeconds.Observe(time.Since(start).Seconds())
	w.log.Debug("batch processed", "records", len(batch), "events", len(rows.Events), "transactions", len(rows.Transactions), "dead", len(dead),
		"projects", len(byProject), "took", time.Since(start))
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
	return w.crashAt(stage)
}

// project returns the project's actor, spawning it on first use.
func (w *Worker) project(id int64) *actor.PID {
	if pid, ok := w.projects[id]; ok {
		return pid
	}
	props := actor.PropsFromProducer(func() actor.Actor {
		a := &projectActor{projectID: id, issues: w.issues, log: w.log.With("project", id)}
		if w.cfg.Alerts != nil {
			a.alerts = w.cfg.Alerts.NewEvaluator(id)
		}
		return a
	}, actor.WithMailbox(actor.Unbounded(mailboxMeter{})))
	pid, err := w.system.Root.SpawnNamed(props, "project-"+strconv.FormatInt(id, 10))
	if err != nil {
		// Only a name clash can fail here, and the map rules that out.
		panic(fmt.Sprintf("spawn project actor %d: %v", id, err))
	}
	w.projects[id] = pid
	projectActors.Inc()
	return pid
}

// stopActors lets every project actor finish what it holds, then stops it.
func (w *Worker) stopActors() {
	for _, pid := range w.projects {
		_ = w.system.Root.PoisonFuture(pid).Wait()
		projectActors.Dec()
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
func retry(ctx context.Context, log *slog.Logger, what string, fn func() error) error {
	delay := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		storeRetries.WithLabelValues(what).Inc()
		log.Warn("retrying", "what", what, "attempt", attempt, "err", err, "in", delay)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (gave up: %w)", what, err, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*time.Second)
	}
}
