package actors

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/segmentio/kafka-go"
)

// BenchmarkWorkerCatchUp drains a backlog (FAULTLINE_BENCH_BACKLOG events,
// default 20,000, of 4 projects) that piled up while no worker ran, and
// reports the drain rate and the longest pause between two batches: a
// worker catching up should never sit idle while records wait.
//
//	go test -run '^$' -bench WorkerCatchUp -benchtime 1x ./actors/   (with make test's services)
func BenchmarkWorkerCatchUp(b *testing.B) {
	n := 20_000
	if v := os.Getenv("FAULTLINE_BENCH_BACKLOG"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	for range b.N {
		b.StopTimer()
		p := newPipeline(b)
		var projects []int64
		for range 4 {
			projects = append(projects, metadatatest.Project(b, p.db, "catchup-secret").ProjectID)
		}
		var msgs []kafka.Message
		for i := range n {
			pid := projects[i%len(projects)]
			msgs = append(msgs, queue.Record{ProjectID: pid, EventID: fmt.Sprintf("%016x%016x", pid, i), ItemType: "event",
				Received: time.Now(), Payload: errorPayload(i%3, i)}.Message())
			if len(msgs) == 1000 || i == n-1 {
				if err := p.writer.WriteMessages(context.Background(), msgs...); err != nil {
					b.Fatal(err)
				}
				msgs = msgs[:0]
			}
		}
		var mu sync.Mutex
		var starts []time.Time
		w := NewWorker(WorkerConfig{Brokers: p.brokers}, p.db, p.store, p.writer, nil, p.log)
		w.onBatch = func([]kafka.Message) {
			mu.Lock()
			starts = append(starts, time.Now())
			mu.Unlock()
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		b.StartTimer()
		began := time.Now()
		go func() { done <- w.Run(ctx) }()
		for {
			var counted int64
			for _, pid := range projects {
				counted += p.counted(b, pid)
			}
			if counted == int64(n) {
				break
			}
			if time.Since(began) > 5*time.Minute {
				b.Fatalf("%d of %d counted after 5 minutes", counted, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		took := time.Since(began)
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		var gap time.Duration
		mu.Lock()
		for i := 1; i < len(starts); i++ {
			gap = max(gap, starts[i].Sub(starts[i-1]))
		}
		batches := len(starts)
		mu.Unlock()
		b.ReportMetric(float64(n)/took.Seconds(), "events/s")
		b.ReportMetric(float64(gap.Milliseconds()), "max-gap-ms")
		b.ReportMetric(float64(batches), "batches")
	}
}
