package actors

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/prometheus/client_golang/prometheus"
)

// countingStore is the real ClickHouse store, with the rows of each insert
// counted on the way.
type countingStore struct {
	EventStore
	mu      sync.Mutex
	inserts []int
}

func (c *countingStore) Insert(ctx context.Context, rows analytics.Rows) error {
	c.mu.Lock()
	c.inserts = append(c.inserts, rows.Len())
	c.mu.Unlock()
	return c.EventStore.Insert(ctx, rows)
}

func (c *countingStore) counted() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.inserts...)
}

// wantOneInsertOf fails the test unless exactly one insert was made, of n
// rows.
func (c *countingStore) wantOneInsertOf(t *testing.T, n int) {
	t.Helper()
	if got := c.counted(); len(got) != 1 || got[0] != n {
		t.Fatalf("inserts of %v rows, want one of %d", got, n)
	}
}

// startSink runs a sink over the real store until the test ends. ctx is
// the test's deadline for its inserts.
func startSink(t *testing.T, window time.Duration) (ctx context.Context, sink *rowSink, store *countingStore) {
	t.Helper()
	ctx, cancelInserts := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancelInserts)
	store = &countingStore{EventStore: analyticstest.Open(t)}
	sink = newRowSink(store, window, time.Minute, prometheus.NewHistogram(prometheus.HistogramOpts{Name: "inserts"}),
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sink.run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	return ctx, sink, store
}

// eventRows makes n rows of a project of their own.
func eventRows(t *testing.T, n int) analytics.Rows {
	t.Helper()
	var rows analytics.Rows
	project := uint64(time.Now().UnixNano() & (1<<62 - 1))
	for range n {
		id := make([]byte, 16)
		if _, err := rand.Read(id); err != nil {
			t.Fatal(err)
		}
		rows.Events = append(rows.Events, analytics.EventRow{ProjectID: project, IssueID: 1, EventID: hex.EncodeToString(id),
			Timestamp: time.Now().UTC().Truncate(time.Second), Received: time.Now().UTC(), Level: "error", Platform: "go",
			Title: "sink test", Payload: []byte(`{"message":"sink test"}`)})
	}
	return rows
}

// insertAsync runs one partition's insert and returns where its outcome comes.
func insertAsync(ctx context.Context, sink *rowSink, rows analytics.Rows) <-chan error {
	out := make(chan error, 1)
	go func() { out <- sink.insert(ctx, rows) }()
	return out
}

// A partition alone used to wait out the whole window (50 ms) before its
// rows left, for company that could not come. With an hour's window, that
// wait is the test's deadline.
func TestSinkInsertsALonePartitionsRowsAtOnce(t *testing.T) {
	ctx, sink, store := startSink(t, time.Hour)
	sink.begin()
	defer sink.end()
	if err := sink.insert(ctx, eventRows(t, 3)); err != nil {
		t.Fatalf("a lone partition's insert: %v", err)
	}
	store.wantOneInsertOf(t, 3)
}

// Under load every busy partition's batch should leave in one insert, and a
// partition that ends without rows must not hold the others back.
func TestSinkJoinsEveryBusyPartitionInOneInsert(t *testing.T) {
	ctx, sink, store := startSink(t, time.Hour)
	for range 3 {
		sink.begin()
	}
	first := insertAsync(ctx, sink, eventRows(t, 2))
	second := insertAsync(ctx, sink, eventRows(t, 5))
	select {
	case err := <-first:
		t.Fatalf("an insert left while a partition was still busy: %v, inserts %v", err, store.counted())
	case <-time.After(200 * time.Millisecond):
	}
	sink.end() // the third partition's batch had nothing to store
	for _, out := range []<-chan error{first, second} {
		if err := <-out; err != nil {
			t.Fatal(err)
		}
		sink.end()
	}
	store.wantOneInsertOf(t, 7)
}

// A busy partition that takes long to send its rows holds an insert back
// for the window at most.
func TestSinkWaitsForABusyPartitionOnlyTheWindow(t *testing.T) {
	ctx, sink, store := startSink(t, 100*time.Millisecond)
	sink.begin() // still grouping, for longer than the test
	defer sink.end()
	sink.begin()
	defer sink.end()
	if err := sink.insert(ctx, eventRows(t, 4)); err != nil {
		t.Fatalf("an insert waiting for a partition that never sends: %v", err)
	}
	store.wantOneInsertOf(t, 4)
}
