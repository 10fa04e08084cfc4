package actors

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
)

// stallingIssues is PostgreSQL with one event that never finishes: grouping
// a batch holding it blocks until the worker gives up on the call.
type stallingIssues struct {
	*metadata.DB
	stall func(eventID string) bool
}

func (s stallingIssues) RecordEventsDetailed(ctx context.Context, projectID int64, events []metadata.GroupedEvent) (metadata.Recorded, error) {
	for _, e := range events {
		if s.stall(e.EventID) {
			<-ctx.Done()
			return metadata.Recorded{}, context.Cause(ctx)
		}
	}
	return s.DB.RecordEventsDetailed(ctx, projectID, events)
}

// recordingProducer keeps the dead letters it was given, and when.
type recordingProducer struct {
	Producer
	mu   sync.Mutex
	msgs []kafka.Message
	at   time.Time
}

func (r *recordingProducer) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	if err := r.Producer.WriteMessages(ctx, msgs...); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msgs...)
	r.at = time.Now()
	return nil
}

func (r *recordingProducer) written() ([]kafka.Message, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]kafka.Message(nil), r.msgs...), r.at
}

// startWorker runs w until the test ends or stop is called, and fails the
// test if Run returns an error.
func startWorker(t testing.TB, w *Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("worker: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// partitionOf is the events-topic partition a project's records go to.
func partitionOf(projectID int64) int {
	msg := queue.Record{ProjectID: projectID}.Message()
	parts := make([]int, queue.Partitions)
	for i := range parts {
		parts[i] = i
	}
	return (&kafka.Hash{}).Balance(msg, parts...)
}

// projectsOnTwoPartitions bootstraps two projects whose records land on
// different partitions.
func projectsOnTwoPartitions(t *testing.T, p *pipeline, secret string) (metadata.BootstrapResult, metadata.BootstrapResult) {
	a := metadatatest.Project(t, p.db, secret)
	for {
		b := metadatatest.Project(t, p.db, secret)
		if partitionOf(b.ProjectID) != partitionOf(a.ProjectID) {
			return a, b
		}
	}
}

func (p *pipeline) produce(t *testing.T, projectID int64, n int, id func(i int) string, payload func(i int) []byte) {
	t.Helper()
	var msgs []kafka.Message
	for i := range n {
		msgs = append(msgs, queue.Record{ProjectID: projectID, EventID: id(i), ItemType: "event", Received: time.Now(),
			Payload: payload(i)}.Message())
	}
	if err := p.writer.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func (p *pipeline) counted(t testing.TB, projectID int64) int64 {
	t.Helper()
	issues, err := p.db.ListIssues(context.Background(), projectID, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, is := range issues {
		n += is.TimesSeen
	}
	return n
}

// TestSlowRecordIsIsolatedAndOthersFlow: one record whose grouping never
// finishes sits among a project's events. Its batch is split until the
// record is alone, the rest of the project is stored, the record is
// dead-lettered with the reason, and another project's partition is
// processed meanwhile instead of waiting behind it.
func TestSlowRecordIsIsolatedAndOthersFlow(t *testing.T) {
	p := newPipeline(t)
	slowProject, otherProject := projectsOnTwoPartitions(t, p, "slow-secret")
	const n = 64
	slowID := fmt.Sprintf("%032x", 0xdead)
	id := func(project int64) func(int) string {
		return func(i int) string {
			if project == slowProject.ProjectID && i == n/2 {
				return slowID
			}
			return fmt.Sprintf("%016x%016x", project, i)
		}
	}
	p.produce(t, slowProject.ProjectID, n, id(slowProject.ProjectID), func(i int) []byte { return errorPayload(i%3, i) })
	p.produce(t, otherProject.ProjectID, n, id(otherProject.ProjectID), func(i int) []byte { return errorPayload(i%3, i) })

	dead := &recordingProducer{Producer: p.writer}
	issues := stallingIssues{DB: p.db, stall: func(eventID string) bool { return eventID == slowID }}
	w := NewWorker(WorkerConfig{Brokers: p.brokers, MaxBatch: 200, MaxWait: 50 * time.Millisecond, CallTimeout: 300 * time.Millisecond},
		issues, p.store, dead, nil, p.log)
	batchSplits := w.metrics.batchSplits
	splitsBefore := testutil.ToFloat64(batchSplits)
	startWorker(t, w)

	var otherDone time.Time
	deadline := time.Now().Add(60 * time.Second)
	for {
		if otherDone.IsZero() && p.counted(t, otherProject.ProjectID) == n {
			otherDone = time.Now()
		}
		letters, _ := dead.written()
		stored, _, err := p.store.EventCounts(context.Background(), uint64(slowProject.ProjectID))
		if err != nil {
			t.Fatal(err)
		}
		if !otherDone.IsZero() && p.counted(t, slowProject.ProjectID) == n-1 && stored == n-1 && len(letters) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: slow project %d of %d counted, other project %d of %d, %d dead letters",
				p.counted(t, slowProject.ProjectID), n-1, p.counted(t, otherProject.ProjectID), n, len(letters))
		}
		time.Sleep(50 * time.Millisecond)
	}
	letters, deadAt := dead.written()
	if !otherDone.Before(deadAt) {
		t.Errorf("the other partition's events were counted at %s, after the slow record was dead-lettered at %s: they waited behind it",
			otherDone.Format(time.StampMilli), deadAt.Format(time.StampMilli))
	}
	if r, err := queue.Decode(kafka.Message{Key: letters[0].Key, Value: letters[0].Value, Headers: letters[0].Headers}); err != nil || r.EventID != slowID {
		t.Errorf("dead letter is not the slow record: %+v, %v", r, err)
	}
	if reason := headerValue(letters[0], "error"); !strings.Contains(reason, "took longer than") {
		t.Errorf("dead letter reason %q does not say the record was too slow", reason)
	}
	if testutil.ToFloat64(batchSplits) == splitsBefore {
		t.Error("the slow batch was never split")
	}
	for _, pr := range []metadata.BootstrapResult{slowProject, otherProject} {
		want := int64(n)
		if pr.ProjectID == slowProject.ProjectID {
			want = n - 1
		}
		events, stored, err := p.store.EventCounts(context.Background(), uint64(pr.ProjectID))
		if err != nil {
			t.Fatal(err)
		}
		if events != uint64(want) || stored != uint64(want) {
			t.Errorf("project %d: %d distinct events and %d rows in ClickHouse, want %d", pr.ProjectID, events, stored, want)
		}
	}
}

// TestBatchesBoundedByBytes: large events make small batches, each within
// MaxBatchBytes plus the one record that crosses it, and all are stored.
// The events compress to almost nothing on their way through Kafka; the
// bound holds for their payloads as the worker expands them.
func TestBatchesBoundedByBytes(t *testing.T) {
	p := newPipeline(t)
	pr := metadatatest.Project(t, p.db, "bytes-secret")
	const n, maxBytes = 40, 256 << 10
	pad := strings.Repeat("x", 60<<10)
	big := func(i int) []byte {
		e := errorPayload(i%2, i)
		return append(e[:len(e)-1], fmt.Sprintf(`,"extra":{"pad":%q}}`, pad)...)
	}
	p.produce(t, pr.ProjectID, n, func(i int) string { return fmt.Sprintf("%032x", 0xb16000+i) }, big)

	var mu sync.Mutex
	var sizes []int
	w := NewWorker(WorkerConfig{Brokers: p.brokers, MaxBatch: 1000, MaxBatchBytes: maxBytes, MaxWait: 200 * time.Millisecond},
		p.db, p.store, p.writer, nil, p.log)
	w.onBatch = func(batch []kafka.Message) {
		size := 0
		for _, m := range batch {
			size += len(m.Key) + queue.PayloadLen(m)
		}
		mu.Lock()
		sizes = append(sizes, size)
		mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(60 * time.Second)
	for p.counted(t, pr.ProjectID) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d large events counted after 60 s", p.counted(t, pr.ProjectID), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("worker: %v", err)
	}
	record := len(big(0)) + 64
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) < 2 {
		t.Fatalf("%d batches for %d KiB of events with a %d KiB batch limit", len(sizes), n*record>>10, maxBytes>>10)
	}
	for i, size := range sizes {
		if size > maxBytes+record {
			t.Errorf("batch %d holds %d bytes, more than the %d limit plus one %d-byte record", i, size, maxBytes, record)
		}
	}
	if got := p.counted(t, pr.ProjectID); got != n {
		t.Errorf("%d events counted, want %d", got, n)
	}
}

// failingInsert stores the first half of a batch's events, then fails, the
// first fails times: a ClickHouse that went away in the middle of an insert.
type failingInsert struct {
	*analytics.Store
	mu    sync.Mutex
	fails int
}

func (f *failingInsert) Insert(ctx context.Context, rows analytics.Rows) error {
	f.mu.Lock()
	fail := f.fails > 0
	f.fails--
	f.mu.Unlock()
	if !fail || len(rows.Events) < 2 {
		return f.Store.Insert(ctx, rows)
	}
	half := analytics.Rows{Events: rows.Events[:len(rows.Events)/2]}
	if err := f.Store.Insert(ctx, half); err != nil {
		return err
	}
	return fmt.Errorf("clickhouse: connection reset by peer (simulated after %d of %d events)", len(half.Events), len(rows.Events))
}

// TestClickHouseFailureMidBatchStoresAgree: after inserts that failed half
// way, PostgreSQL's issue counts and ClickHouse's events agree exactly.
func TestClickHouseFailureMidBatchStoresAgree(t *testing.T) {
	p := newPipeline(t)
	pr := metadatatest.Project(t, p.db, "midbatch-secret")
	const n = 300
	p.produce(t, pr.ProjectID, n, func(i int) string { return fmt.Sprintf("%032x", 0xc1000+i) }, func(i int) []byte { return errorPayload(i%3, i) })
	store := &failingInsert{Store: p.store, fails: 3}
	w := NewWorker(WorkerConfig{Brokers: p.brokers, MaxBatch: 100, MaxWait: 50 * time.Millisecond}, p.db, store, p.writer, nil, p.log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		events, _, err := p.store.EventCounts(ctx, uint64(pr.ProjectID))
		if err != nil {
			t.Fatal(err)
		}
		if events == n && p.counted(t, pr.ProjectID) == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: %d events in ClickHouse, %d counted in PostgreSQL, want %d", events, p.counted(t, pr.ProjectID), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("worker: %v", err)
	}
	if store.fails > 0 {
		t.Fatalf("only %d of 3 simulated failures happened", 3-store.fails)
	}
	issues, err := p.db.ListIssues(context.Background(), pr.ProjectID, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range issues {
		rows, err := p.store.IssueEvents(context.Background(), uint64(pr.ProjectID), uint64(is.ID), 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(rows)) != is.TimesSeen {
			t.Errorf("issue %d: times_seen %d in PostgreSQL, %d events in ClickHouse", is.ID, is.TimesSeen, len(rows))
		}
	}
	if _, stored, _ := p.store.EventCounts(context.Background(), uint64(pr.ProjectID)); stored != n {
		t.Errorf("%d rows in ClickHouse for %d events: a retried insert stored some twice", stored, n)
	}
}

// TestLagGrowsWhileConsumerStalls: a worker stuck on its first batch still
// reports the whole backlog as lag, and its age.
func TestLagGrowsWhileConsumerStalls(t *testing.T) {
	p := newPipeline(t)
	pr := metadatatest.Project(t, p.db, "lag-secret")
	issues := stallingIssues{DB: p.db, stall: func(string) bool { return true }}
	w := NewWorker(WorkerConfig{Brokers: p.brokers, MaxBatch: 10, MaxWait: 20 * time.Millisecond, CallTimeout: time.Hour},
		issues, p.store, p.writer, nil, p.log)
	consumerLag, oldestUnprocessed := w.metrics.consumerLag, w.metrics.oldestUnprocessed
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	const n = 500
	p.produce(t, pr.ProjectID, n, func(i int) string { return fmt.Sprintf("%032x", 0x1a9000+i) }, func(i int) []byte { return errorPayload(i%3, i) })
	label := fmt.Sprint(partitionOf(pr.ProjectID))
	deadline := time.Now().Add(30 * time.Second)
	for {
		lag := testutil.ToFloat64(consumerLag.WithLabelValues(queue.EventsTopic, label))
		if lag == n && testutil.ToFloat64(oldestUnprocessed) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lag of the stalled partition is %v after 30 s, want %d; oldest unprocessed %v s",
				lag, n, testutil.ToFloat64(oldestUnprocessed))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// hungIssues is a PostgreSQL that hangs (calls never return, pings fail)
// while hung is set: an outage, not a slow record.
type hungIssues struct {
	*metadata.DB
	hung atomic.Bool
}

func (h *hungIssues) RecordEventsDetailed(ctx context.Context, projectID int64, events []metadata.GroupedEvent) (metadata.Recorded, error) {
	if h.hung.Load() {
		<-ctx.Done()
		return metadata.Recorded{}, context.Cause(ctx)
	}
	return h.DB.RecordEventsDetailed(ctx, projectID, events)
}

func (h *hungIssues) Ping(ctx context.Context) error {
	if h.hung.Load() {
		return fmt.Errorf("postgres: timeout (hung)")
	}
	return h.DB.Ping(ctx)
}

// TestHungStoreBlamesNoRecord: while PostgreSQL hangs, batches run out of
// time again and again; none is dead-lettered, and all are stored once it
// answers again.
func TestHungStoreBlamesNoRecord(t *testing.T) {
	p := newPipeline(t)
	pr := metadatatest.Project(t, p.db, "hung-secret")
	const n = 20
	p.produce(t, pr.ProjectID, n, func(i int) string { return fmt.Sprintf("%032x", 0x4a4a00+i) }, func(i int) []byte { return errorPayload(i%3, i) })
	issues := &hungIssues{DB: p.db}
	issues.hung.Store(true)
	dead := &recordingProducer{Producer: p.writer}
	// The call timeout leaves room for a real PostgreSQL call on a loaded
	// machine once the store answers again: at 100 ms, a slow but healthy
	// call was blamed on its records.
	w := NewWorker(WorkerConfig{Brokers: p.brokers, MaxWait: 20 * time.Millisecond, CallTimeout: 500 * time.Millisecond},
		issues, p.store, dead, nil, p.log)
	startWorker(t, w)
	time.Sleep(2500 * time.Millisecond) // five call timeouts' worth
	issues.hung.Store(false)
	deadline := time.Now().Add(60 * time.Second)
	for p.counted(t, pr.ProjectID) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d counted 60 s after PostgreSQL came back", p.counted(t, pr.ProjectID), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if letters, _ := dead.written(); len(letters) > 0 {
		t.Errorf("%d records dead-lettered during a PostgreSQL outage", len(letters))
	}
}
