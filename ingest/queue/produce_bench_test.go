package queue

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/cputime"
	"github.com/segmentio/kafka-go"
)

// BenchmarkProduceConcurrent produces 2.5 KB records from 64 concurrent
// callers through one writer, as ingest's request handlers do, to an
// embedded broker on a temporary directory, keyed by 64 projects or by 3
// (as the load generator's), over TCP or in process (as the broker's own
// process does). It reports records/s, the broker's log fsyncs per record
// and the CPU time per record of the process, broker included.
func BenchmarkProduceConcurrent(b *testing.B) {
	for _, projects := range []int{64, 3} {
		for _, inProcess := range []bool{false, true} {
			name := "projects=" + strconv.Itoa(projects) + "/tcp"
			if inProcess {
				name = "projects=" + strconv.Itoa(projects) + "/in-process"
			}
			b.Run(name, func(b *testing.B) { benchmarkProduce(b, projects, inProcess) })
		}
	}
}

func benchmarkProduce(b *testing.B, projects int, inProcess bool) {
	const producers = 64
	e, err := StartEmbedded(EmbeddedConfig{DataDir: b.TempDir(), ReclaimEvery: time.Hour}, discard())
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	var dial DialFunc
	if inProcess {
		dial = e.Dial
	}
	w := NewWriter([]string{e.Addr()}, dial)
	defer w.Close()
	value := make([]byte, 2500)
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	syncsBefore := e.logSyncs()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	stopCPU := cputime.Report(b)
	for i := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []byte("project-" + strconv.Itoa(i%projects))
			for next.Add(1) <= int64(b.N) {
				if err := w.WriteMessages(context.Background(), kafka.Message{Topic: EventsTopic, Key: key, Value: value}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	stopCPU()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(e.logSyncs()-syncsBefore)/float64(b.N), "fsyncs/record")
}
