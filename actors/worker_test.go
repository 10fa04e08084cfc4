package actors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/segmentio/kafka-go"
)

var errCrash = errors.New("simulated crash")

type pipeline struct {
	db      *metadata.DB
	store   *analytics.Store
	brokers []string
	writer  *queue.Writer
	log     *slog.Logger
}

func newPipeline(t testing.TB) *pipeline {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &pipeline{db: metadatatest.Open(t), store: analyticstest.Open(t), log: log}
	broker, err := queue.StartEmbedded(queue.EmbeddedConfig{DataDir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	p.brokers = []string{broker.Addr()}
	if err := queue.EnsureTopics(context.Background(), p.brokers); err != nil {
		t.Fatal(err)
	}
	p.writer = queue.NewWriter(p.brokers, nil)
	t.Cleanup(func() { p.writer.Close() })
	return p
}

func (p *pipeline) worker(maxBatch int, crashAt func(stage string) error) *Worker {
	w := NewWorker(WorkerConfig{Brokers: p.brokers, MaxBatch: maxBatch, MaxWait: 50 * time.Millisecond},
		p.db, p.store, p.writer, nil, p.log)
	w.crashAt = crashAt
	return w
}

// errorPayload is an event of one of three kinds; each kind is one issue.
func errorPayload(kind, n int) []byte {
	return fmt.Appendf(nil, `{"platform":"go","level":"error","timestamp":%d.25,
		"user":{"id":"user-%d"},"tags":{"kind":"%d"},
		"exception":{"values":[{"type":"Kind%dError","value":"failure number %d",
		"stacktrace":{"frames":[{"module":"app/handlers","function":"Handle%d","in_app":true,"lineno":%d}]}}]}}`,
		time.Now().Add(-time.Duration(n)*time.Second).Unix(), n%7, kind, kind, n, kind, 10+n)
}

// TestWorkerCrashReplayExactlyOnce crashes one worker after it grouped a
// batch in PostgreSQL and another after it stored a batch in ClickHouse,
// both before committing offsets, then lets a third finish. Every accepted
// event must be stored exactly once and every issue counted exactly.
func TestWorkerCrashReplayExactlyOnce(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	const secret = "worker-test-secret"
	projects := []metadata.BootstrapResult{metadatatest.Project(t, p.db, secret), metadatatest.Project(t, p.db, secret)}

	const perProject = 150
	want := map[int64]map[string]int64{} // project -> issue title -> count
	var msgs []kafka.Message
	for _, pr := range projects {
		want[pr.ProjectID] = map[string]int64{}
		for n := range perProject {
			kind := n % 3
			id := fmt.Sprintf("%016x%016x", pr.ProjectID, n)
			msgs = append(msgs, queue.Record{ProjectID: pr.ProjectID, EventID: id, ItemType: "event",
				Received: time.Now(), Payload: errorPayload(kind, n)}.Message())
			want[pr.ProjectID][fmt.Sprintf("Kind%dError: failure number", kind)]++
		}
	}
	// One record no worker can process: it must go to the dead-letter topic
	// without holding up the rest of its partition.
	msgs = append(msgs, queue.Record{ProjectID: projects[0].ProjectID, EventID: "ffffffffffffffffffffffffffffffff",
		ItemType: "event", Received: time.Now(), Payload: []byte(`[1, 2, 3]`)}.Message())
	// Nor one whose compressed payload was cut short: it is dead-lettered
	// too, counted as stored, not retried.
	cut := queue.Record{ProjectID: projects[1].ProjectID, EventID: "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
		ItemType: "event", Received: time.Now(), Payload: errorPayload(0, perProject)}.Message()
	cut.Value = cut.Value[:len(cut.Value)/2]
	msgs = append(msgs, cut)
	if err := p.writer.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("produce: %v", err)
	}

	// Worker 1 crashes after its second batch reached PostgreSQL.
	var batches atomic.Int32
	err := p.worker(40, func(stage string) error {
		if stage == "grouped" && batches.Add(1) == 2 {
			return errCrash
		}
		return nil
	}).Run(ctx)
	if !errors.Is(err, errCrash) {
		t.Fatalf("worker 1: want the simulated crash, got %v", err)
	}
	// Worker 2 crashes after its first batch reached ClickHouse.
	err = p.worker(40, func(stage string) error {
		if stage == "stored" {
			return errCrash
		}
		return nil
	}).Run(ctx)
	if !errors.Is(err, errCrash) {
		t.Fatalf("worker 2: want the simulated crash, got %v", err)
	}

	// Worker 3 runs until everything is counted.
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	third := p.worker(40, nil)
	go func() { done <- third.Run(runCtx) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		total := int64(0)
		for _, pr := range projects {
			issues, err := p.db.ListIssues(ctx, pr.ProjectID, 100, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, is := range issues {
				total += is.TimesSeen
			}
		}
		if total >= int64(len(projects)*perProject) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d events counted after 60s", total, len(projects)*perProject)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The poison records were produced last: they may be in a batch after the
	// last counted event, so look for their dead letters while worker 3 runs.
	assertDeadLetters(t, p.brokers, 2)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("worker 3: %v", err)
	}

	if third.ReplaySkipped() == 0 {
		t.Error("worker 3 inserted worker 2's stored batch again instead of skipping it")
	}
	for _, pr := range projects {
		issues, err := p.db.ListIssues(ctx, pr.ProjectID, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, is := range issues {
			got[is.Title[:len("KindNError: failure number")]] += is.TimesSeen
		}
		if len(issues) != 3 {
			t.Errorf("project %d: %d issues, want 3", pr.ProjectID, len(issues))
		}
		for title, n := range want[pr.ProjectID] {
			if got[title] != n {
				t.Errorf("project %d issue %q: times_seen %d, want %d", pr.ProjectID, title, got[title], n)
			}
		}
		events, stored, err := p.store.EventCounts(ctx, uint64(pr.ProjectID))
		if err != nil {
			t.Fatal(err)
		}
		if events != perProject {
			t.Errorf("project %d: %d distinct events in ClickHouse, want %d", pr.ProjectID, events, perProject)
		}
		// The replayed batch was checked against ClickHouse: no row twice
		// (merges could hide duplicates, hence the skip count below).
		if stored != perProject {
			t.Errorf("project %d: %d rows in ClickHouse for %d events", pr.ProjectID, stored, perProject)
		}
		listed := 0
		for _, is := range issues {
			rows, err := p.store.IssueEvents(ctx, uint64(pr.ProjectID), uint64(is.ID), 1000, 0)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(rows)) != is.TimesSeen {
				t.Errorf("issue %d: %d events listed, times_seen %d", is.ID, len(rows), is.TimesSeen)
			}
			listed += len(rows)
		}
		if listed != perProject {
			t.Errorf("project %d: %d events listed across issues, want %d", pr.ProjectID, listed, perProject)
		}
	}
}

func assertDeadLetters(t *testing.T, brokers []string, want int) {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: queue.DeadLetterTopic, Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range want {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("dead letter %d of %d: %v", i+1, want, err)
		}
		if headerValue(m, "error") == "" {
			t.Errorf("dead letter %d has no error header", i+1)
		}
	}
	extra, cancelExtra := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancelExtra()
	if m, err := r.ReadMessage(extra); err == nil {
		t.Errorf("unexpected extra dead letter: %s", headerValue(m, "error"))
	}
}
