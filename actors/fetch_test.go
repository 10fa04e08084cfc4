package actors

import (
	"context"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/queue"
	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol/fetch"
)

// A fetch copies its records out of kafka-go's response pages and closes
// them, so that the next fetch reads into the same pages: left open, every
// fetch allocated (and cleared) 64 KiB pages anew. Here 40 fetches of the
// same 20 small records must allocate, on average, less than one page
// each, everything the in-process broker allocates to answer included.
func TestFetchesReuseResponsePages(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	client := embeddedClient(t, log, nil)
	var records []kafka.Record
	for i := range 20 {
		records = append(records, kafka.Record{Key: kafka.NewBytes([]byte("7")),
			Value: kafka.NewBytes([]byte(`{"message":"event ` + strconv.Itoa(i) + `"}`))})
	}
	res, err := client.Produce(ctx, &kafka.ProduceRequest{Topic: queue.EventsTopic, Partition: 0,
		RequiredAcks: kafka.RequireAll, Records: kafka.NewRecordReader(records...)})
	if err == nil {
		err = res.Error
	}
	if err != nil {
		t.Fatal(err)
	}

	p := &partition{w: &Worker{client: client, metrics: newWorkerMetrics(nil), log: log}, id: 0}
	fetchAll := func() {
		p.next = 0
		msgs, _, err := p.fetch(ctx, 1<<20, 1, time.Second, 1000)
		if err != nil || len(msgs) != 20 {
			t.Fatalf("fetched %d records (%v), want 20", len(msgs), err)
		}
		if got := string(msgs[19].Value); got != `{"message":"event 19"}` {
			t.Fatalf("the last record reads %q", got)
		}
	}
	fetchAll() // the connection, and the first pages
	const fetches = 40
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range fetches {
		fetchAll()
	}
	runtime.ReadMemStats(&after)
	perFetch := (after.TotalAlloc - before.TotalAlloc) / fetches
	t.Logf("%d bytes allocated per fetch of 20 records", perFetch)
	if perFetch >= 64<<10 {
		t.Fatalf("a fetch of 20 small records allocated %d bytes: its response pages were not reused", perFetch)
	}
}

// fetchCounter counts the fetch requests a client sends.
type fetchCounter struct {
	kafka.RoundTripper
	fetches atomic.Int64
}

func (c *fetchCounter) RoundTrip(ctx context.Context, addr net.Addr, req kafka.Request) (kafka.Response, error) {
	if _, ok := req.(*fetch.Request); ok {
		c.fetches.Add(1)
	}
	return c.RoundTripper.RoundTrip(ctx, addr, req)
}

// While a batch fills, records that trickle in one produce at a time must
// be gathered by a few fetches, not one fetch per produce: each fetch is a
// round trip and a read of the broker's log, and at a moderate load the
// batch's window saw one per sync round of the broker.
func TestFillGathersATrickleInFewFetches(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	counter := &fetchCounter{}
	client := embeddedClient(t, log, counter)

	const produces = 40
	produce := func(i int) {
		res, err := client.Produce(ctx, &kafka.ProduceRequest{Topic: queue.EventsTopic, Partition: 0, RequiredAcks: kafka.RequireAll,
			Records: kafka.NewRecordReader(kafka.Record{Key: kafka.NewBytes([]byte("7")), Value: kafka.NewBytes([]byte(`{"message":"event ` + strconv.Itoa(i) + `"}`))})})
		if err == nil {
			err = res.Error
		}
		if err != nil {
			t.Error(err)
		}
	}
	produce(0)
	go func() {
		for i := 1; i < produces; i++ {
			time.Sleep(5 * time.Millisecond)
			produce(i)
		}
	}()

	metrics := newWorkerMetrics(nil)
	w := &Worker{client: client, metrics: metrics, log: log,
		cfg:    WorkerConfig{MaxBatch: 2000, MaxBatchBytes: 16 << 20, MaxWait: time.Second},
		budget: newByteBudget(256<<20, metrics.workerBytesHeld)}
	p := &partition{w: w, id: 0}
	batch, _, err := p.fill(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch) != produces {
		t.Fatalf("the batch holds %d records, want the %d produced within its wait", len(batch), produces)
	}
	if got := counter.fetches.Load(); got > 5 {
		t.Errorf("%d fetches gathered %d records produced one at a time, want a few", got, produces)
	}
}

// embeddedClient starts an embedded broker with its topics and returns a
// client of it. With counter, the client's requests go through it.
func embeddedClient(t *testing.T, log *slog.Logger, counter *fetchCounter) *kafka.Client {
	t.Helper()
	broker, err := queue.StartEmbedded(queue.EmbeddedConfig{DataDir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	brokers := []string{broker.Addr()}
	if err := queue.EnsureTopics(context.Background(), brokers); err != nil {
		t.Fatal(err)
	}
	transport := &kafka.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	var rt kafka.RoundTripper = transport
	if counter != nil {
		counter.RoundTripper, rt = transport, counter
	}
	return &kafka.Client{Addr: kafka.TCP(brokers...), Transport: rt, Timeout: 10 * time.Second}
}
