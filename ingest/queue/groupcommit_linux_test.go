//go:build linux

package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// Concurrent produces share fsyncs, and every acknowledged record is in the
// log when the broker starts again.
func TestConcurrentProducesShareFsyncs(t *testing.T) {
	forEachLogSync(t, testConcurrentProducesShareSyncs)
}

func testConcurrentProducesShareSyncs(t *testing.T, mode LogSync) {
	const n = 32
	dataDir := t.TempDir()
	var (
		e        atomic.Pointer[Embedded]
		blocking atomic.Bool
		blocked  sync.Once
	)
	hook := func(f *os.File, sync func(*os.File) error) error {
		// The first segment sync while the n produces run waits until
		// the broker wrote them all: whoever it did not cover must share
		// the next round.
		if blocking.Load() && strings.HasSuffix(f.Name(), ".dat") {
			blocked.Do(func() {
				waitFor(t, "the broker to write every record", func() bool {
					return e.Load().cluster.PartitionInfo(EventsTopic, 0).HighWatermark == 2*n
				})
			})
		}
		return sync(f)
	}
	b := startBroker(t, withSyncHook(EmbeddedConfig{DataDir: dataDir}, mode, hook))
	e.Store(b)

	writers := warmWriters(t, b, n)
	syncsBefore := b.logSyncs()
	blocking.Store(true)
	if err := produceConcurrently(writers, 0); err != nil {
		t.Fatal(err)
	}
	switch got := b.logSyncs() - syncsBefore; {
	case got == 0:
		t.Errorf("%d concurrent produces took no sync of the log", n)
	case got >= n:
		t.Errorf("%d concurrent produces took %d syncs, want fewer", n, got)
	default:
		t.Logf("%d concurrent produces took %d syncs", n, got)
	}

	b.Close()
	b = startBroker(t, EmbeddedConfig{DataDir: dataDir})
	want := map[string]bool{}
	for i := range n {
		want[fmt.Sprintf("record-%d ", i)] = true
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr()}, Topic: EventsTopic, Partition: 0, MaxWait: 50 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for read := 0; read < 2*n; read++ {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("after a restart, read %d of %d records: %v", read, 2*n, err)
		}
		delete(want, string(m.Value))
	}
	if len(want) > 0 {
		t.Errorf("after a restart, %d acknowledged records are missing: %v", len(want), want)
	}
}

// A produce whose fsync failed is not acknowledged, nor is any after it,
// and Writable says why.
func TestFailedFsyncFailsProduces(t *testing.T) {
	forEachLogSync(t, testFailedSyncFailsProduces)
}

func testFailedSyncFailsProduces(t *testing.T, mode LogSync) {
	var failing atomic.Bool
	hook := func(f *os.File, sync func(*os.File) error) error {
		if failing.Load() && strings.HasSuffix(f.Name(), ".dat") {
			return syscall.EIO
		}
		return sync(f)
	}
	e := startBroker(t, withSyncHook(EmbeddedConfig{}, mode, hook))
	w := NewWriter([]string{e.Addr()}, nil)
	defer w.Close()
	w.MaxAttempts = 1
	w.Balancer = kafka.BalancerFunc(func(kafka.Message, ...int) int { return 0 })
	produceOne := func() error {
		return w.WriteMessages(context.Background(), kafka.Message{Topic: EventsTopic, Value: []byte("v")})
	}
	if err := produceOne(); err != nil {
		t.Fatal(err)
	}
	failing.Store(true)
	if err := produceOne(); err == nil {
		t.Fatal("a produce whose fsync failed was acknowledged")
	}
	failing.Store(false)
	if err := produceOne(); err == nil {
		t.Fatal("a produce after a failed fsync was acknowledged")
	}
	e.checkDisk()
	if err := e.Writable(); DiskReason(err) != "log fsync failed" || !strings.Contains(err.Error(), "input/output error") {
		t.Errorf("Writable after a failed fsync: %v (reason %q)", err, DiskReason(err))
	}
}

// Every segment a partition rolls to is fsynced, and so is the tail of the
// one it rolled from when the roll came before the next round (SyncFiles,
// whose fsyncs name each file; a syncfs covers every file at once).
func TestRolledSegmentsAreSynced(t *testing.T) {
	const n = 8
	dataDir := t.TempDir()
	var (
		e        atomic.Pointer[Embedded]
		blocking atomic.Bool
		blocked  sync.Once
		mu       sync.Mutex
		synced   = map[string]int64{} // segment path: size its last fsync covered
	)
	fsync := func(f *os.File) error {
		if !strings.HasSuffix(f.Name(), ".dat") {
			return f.Sync()
		}
		info, err := f.Stat()
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			return err
		}
		mu.Lock()
		synced[f.Name()] = info.Size()
		mu.Unlock()
		// The first segment fsync while the writers produce returns
		// once they all wrote, after it: the segment rolls meanwhile,
		// its tail covered by no fsync yet.
		if blocking.Load() {
			blocked.Do(func() {
				waitFor(t, "the broker to write every record", func() bool {
					return e.Load().cluster.PartitionInfo(EventsTopic, 0).HighWatermark == 2*n
				})
			})
		}
		return nil
	}
	b := startBroker(t, EmbeddedConfig{DataDir: dataDir, segmentBytes: 4 << 10, fsync: fsync, Sync: SyncFiles})
	e.Store(b)
	writers := warmWriters(t, b, n)
	blocking.Store(true)
	if err := produceConcurrently(writers, 1000); err != nil {
		t.Fatal(err)
	}

	partDir := filepath.Join(dataDir, "kafka", "partitions", EventsTopic+"-0")
	segments, err := filepath.Glob(filepath.Join(partDir, "*.dat"))
	if err != nil {
		t.Fatal(err)
	}
	if len(segments) < 2 {
		t.Fatalf("%d segments, want a roll", len(segments))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, path := range segments {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := synced[path]; !ok || got != info.Size() {
			t.Errorf("%s holds %d bytes; its last fsync covered %d (fsynced: %v)", filepath.Base(path), info.Size(), got, ok)
		}
	}
}

// forEachLogSync runs test under each way a round can sync the log.
func forEachLogSync(t *testing.T, test func(*testing.T, LogSync)) {
	for _, mode := range []LogSync{SyncFiles, SyncFilesystem} {
		t.Run(string(mode), func(t *testing.T) { test(t, mode) })
	}
}

// withSyncHook is cfg syncing its log in mode, with hook in front of
// every sync: it is given the file (under SyncFilesystem, one on the file
// system to sync) and the sync it stands in front of.
func withSyncHook(cfg EmbeddedConfig, mode LogSync, hook func(f *os.File, sync func(*os.File) error) error) EmbeddedConfig {
	cfg.Sync = mode
	cfg.fsync = func(f *os.File) error { return hook(f, (*os.File).Sync) }
	cfg.syncfs = func(f *os.File) error { return hook(f, syncfs) }
	return cfg
}

// By default a round makes the log durable with one sync, however many
// partitions it wrote to: an fsync per partition cost 100–200 µs of CPU
// each, and a round with 16 projects' partitions took a dozen of them.
func TestARoundSyncsItsFileSystemOnce(t *testing.T) {
	if defaultLogSync() != SyncFilesystem {
		t.Fatalf("this kernel's syncfs reports no write-back errors; the broker would fsync file by file here")
	}
	const rounds = 20
	reg := prometheus.NewRegistry()
	b := startBroker(t, EmbeddedConfig{DataDir: t.TempDir(), Registerer: reg})
	// The warm-up makes each partition's directory and segment, synced once.
	writers := warmWritersTo(t, b, []int{0, 1, 2, 3, 4, 5, 6, 7})
	roundsBefore, syncsBefore := gathered(t, reg, "faultline_broker_sync_rounds_total"), b.logSyncs()
	for range rounds {
		if err := produceConcurrently(writers, 100); err != nil {
			t.Fatal(err)
		}
	}
	ran := gathered(t, reg, "faultline_broker_sync_rounds_total") - roundsBefore
	syncs := b.logSyncs() - syncsBefore
	if ran < rounds || float64(syncs) > ran {
		t.Errorf("%d waves of produces to %d partitions: %v sync rounds made %d syncs, want one a round at most", rounds, len(writers), ran, syncs)
	}
}

func TestAtLeastLinux(t *testing.T) {
	for _, c := range []struct {
		release string
		want    bool
	}{
		{"6.1.0-18-amd64", true}, {"5.8.0", true}, {"5.10", true}, {"5.7.19-generic", false},
		{"4.19.0", false}, {"6", true}, {"5.8rc1", true}, {"", false}, {"x.y", false},
	} {
		if got := atLeastLinux(c.release, 5, 8); got != c.want {
			t.Errorf("atLeastLinux(%q, 5, 8) = %t, want %t", c.release, got, c.want)
		}
	}
}

// warmWriters returns n writers to partition 0 of the events topic, each
// on its own connection, after a first small record each fetched their
// metadata: what they produce next is all that waits for a sync.
func warmWriters(t *testing.T, e *Embedded, n int) []*Writer {
	return warmWritersTo(t, e, make([]int, n))
}

// warmWritersTo is warmWriters with writer i writing to partitions[i].
func warmWritersTo(t *testing.T, e *Embedded, partitions []int) []*Writer {
	t.Helper()
	writers := make([]*Writer, len(partitions))
	for i, p := range partitions {
		w := NewWriter([]string{e.Addr()}, nil)
		w.Balancer = kafka.BalancerFunc(func(kafka.Message, ...int) int { return p })
		t.Cleanup(func() { w.Close() })
		if err := w.WriteMessages(context.Background(), kafka.Message{Topic: EventsTopic, Value: []byte("warm-up")}); err != nil {
			t.Fatal(err)
		}
		writers[i] = w
	}
	return writers
}

// produceConcurrently has every writer produce one record at once, writer
// i's value starting with "record-i ", size bytes long at least.
func produceConcurrently(writers []*Writer, size int) error {
	var wg sync.WaitGroup
	errs := make([]error, len(writers))
	for i, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := fmt.Appendf(nil, "record-%d ", i)
			v = append(v, make([]byte, max(0, size-len(v)))...)
			errs[i] = w.WriteMessages(context.Background(), kafka.Message{Topic: EventsTopic, Value: v})
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// /metrics counts the sync rounds that made produces durable, their fsyncs
// and how long the rounds took, as the log tracking itself counts them.
func TestSyncMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	b := startBroker(t, EmbeddedConfig{DataDir: t.TempDir(), Registerer: reg})
	if err := produceConcurrently(warmWriters(t, b, 4), 0); err != nil {
		t.Fatal(err)
	}
	rounds := gathered(t, reg, "faultline_broker_sync_rounds_total")
	fsyncs := gathered(t, reg, "faultline_broker_fsyncs_total")
	timed := gathered(t, reg, "faultline_broker_sync_round_seconds")
	if rounds < 1 || fsyncs < 1 || fsyncs > float64(b.logSyncs()) {
		t.Errorf("after 8 produces: %v rounds and %v fsyncs counted (the log tracking made %d fsyncs)", rounds, fsyncs, b.logSyncs())
	}
	if timed < 1 || timed > rounds+1 {
		t.Errorf("%v rounds timed, %v counted", timed, rounds)
	}
}

// gathered is a counter's value, or a histogram's count, as reg serves it.
func gathered(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		m := f.GetMetric()[0]
		if h := m.GetHistogram(); h != nil {
			return float64(h.GetSampleCount())
		}
		return m.GetCounter().GetValue()
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}
