package queue

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// BenchmarkProduceConcurrent produces 2.5 KB records from 64 concurrent
// callers through one writer, as ingest's request handlers do, to an
// embedded broker on a temporary directory. It reports records/s and the
// broker's log fsyncs per record.
func BenchmarkProduceConcurrent(b *testing.B) {
	const producers = 64
	e, err := StartEmbedded(EmbeddedConfig{DataDir: b.TempDir(), ReclaimEvery: time.Hour}, discard())
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	w := NewWriter([]string{e.Addr()})
	defer w.Close()
	value := make([]byte, 2500)
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	syncsBefore := e.logSyncs()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []byte("project-" + strconv.Itoa(i))
			for next.Add(1) <= int64(b.N) {
				if err := w.WriteMessages(context.Background(), kafka.Message{Topic: EventsTopic, Key: key, Value: value}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(e.logSyncs()-syncsBefore)/float64(b.N), "fsyncs/record")
}
