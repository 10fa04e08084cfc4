package queue

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startBroker starts an embedded broker that the test closes. The
// reclaimer's background runs are an hour apart unless cfg says otherwise:
// tests call reclaim themselves.
func startBroker(t *testing.T, cfg EmbeddedConfig) *Embedded {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.ReclaimEvery == 0 {
		cfg.ReclaimEvery = time.Hour
	}
	e, err := StartEmbedded(cfg, discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// produce writes batches batches of perBatch records of size bytes to one
// partition, stamped at, and returns the partition's high watermark.
func produce(t *testing.T, e *Embedded, topic string, partition, batches, perBatch, size int, at time.Time) int64 {
	t.Helper()
	w := NewWriter([]string{e.Addr()}, nil)
	defer w.Close()
	w.Balancer = kafka.BalancerFunc(func(kafka.Message, ...int) int { return partition })
	for range batches {
		msgs := make([]kafka.Message, perBatch)
		for i := range msgs {
			msgs[i] = kafka.Message{Topic: topic, Key: []byte("k"), Value: make([]byte, size), Time: at}
		}
		if err := w.WriteMessages(context.Background(), msgs...); err != nil {
			t.Fatalf("produce to %s/%d: %v", topic, partition, err)
		}
	}
	return e.cluster.PartitionInfo(topic, int32(partition)).HighWatermark
}

// commit commits offsets for a group outside any generation, as a tool
// resetting offsets would.
func commit(t *testing.T, e *Embedded, group, topic string, offsets map[int]int64) {
	t.Helper()
	var oc []kafka.OffsetCommit
	for p, o := range offsets {
		oc = append(oc, kafka.OffsetCommit{Partition: p, Offset: o})
	}
	resp, err := e.offsets.OffsetCommit(context.Background(), &kafka.OffsetCommitRequest{
		GroupID: group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{topic: oc}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range resp.Topics {
		for _, p := range ps {
			if p.Error != nil {
				t.Fatalf("commit %s/%d: %v", topic, p.Partition, p.Error)
			}
		}
	}
}

// readFrom reads a partition from its start and returns the first offset
// and how many records it read.
func readFrom(t *testing.T, e *Embedded, topic string, partition int) (first, n int64) {
	t.Helper()
	pi := e.cluster.PartitionInfo(topic, int32(partition))
	if pi.HighWatermark == pi.LogStartOffset {
		return pi.LogStartOffset, 0
	}
	// kafka-go's reader gives up on a fetch not answered within MaxWait,
	// and the broker answers after its next log sync: under the race
	// detector 50 ms was too short.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{e.Addr()}, Topic: topic, Partition: partition, MaxWait: 500 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(kafka.FirstOffset); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first = -1
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %s/%d after %d records: %v", topic, partition, n, err)
		}
		if first < 0 {
			first = m.Offset
		}
		n++
		if m.Offset == pi.HighWatermark-1 {
			return first, n
		}
	}
}

// diskUsage is the bytes of the files under dir and how many segment files
// there are.
func diskUsage(t *testing.T, dir string) (bytes int64, segments int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		bytes += info.Size()
		if strings.HasSuffix(path, ".dat") {
			segments++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bytes, segments
}

// A segment size set now applies to topics created before it, and a
// partition trimmed to its last record keeps its offsets across a restart.
func TestSegmentSizeAppliesAfterRestart(t *testing.T) {
	dataDir := t.TempDir()
	e := startBroker(t, EmbeddedConfig{DataDir: dataDir, segmentBytes: 1 << 20})
	produce(t, e, EventsTopic, 0, 20, 1, 1000, time.Time{})
	e.Close()
	partDir := filepath.Join(dataDir, "kafka", "partitions", EventsTopic+"-0")
	if _, n := diskUsage(t, partDir); n != 1 {
		t.Fatalf("%d segment files with 1 MiB segments, want 1", n)
	}

	e = startBroker(t, EmbeddedConfig{DataDir: dataDir, segmentBytes: 4 << 10, Retention: time.Millisecond})
	end := produce(t, e, EventsTopic, 0, 20, 1, 1000, time.Time{})
	if _, n := diskUsage(t, partDir); n < 4 {
		t.Fatalf("%d segment files after restarting with 4 KiB segments, want several", n)
	}
	commit(t, e, WorkersGroup, EventsTopic, map[int]int64{0: end})
	time.Sleep(5 * time.Millisecond)
	if err := e.reclaim(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, n := diskUsage(t, partDir); n != 1 {
		t.Errorf("%d segment files after reclaiming everything consumed, want the last one", n)
	}
	e.Close()

	e = startBroker(t, EmbeddedConfig{DataDir: dataDir, segmentBytes: 4 << 10})
	if pi := e.cluster.PartitionInfo(EventsTopic, 0); pi.HighWatermark != end || pi.LogStartOffset != end-1 {
		t.Fatalf("after restart: log start %d, high watermark %d; want %d, %d", pi.LogStartOffset, pi.HighWatermark, end-1, end)
	}
}

// The broker's sync rounds leave segment indexes (N.idx) to the page cache
// (see logfiles_linux.go): a crash may cut an index short, or tear its
// last entry. The broker then still loads every record from the segment,
// at its offset, and goes on appending after it, across restarts.
func TestSegmentsLoadWithoutTheirIndexTails(t *testing.T) {
	dataDir := t.TempDir()
	partDir := filepath.Join(dataDir, "kafka", "partitions", EventsTopic+"-0")
	// crash leaves what a crash may: no snapshot of the partition's state
	// (it is written at a clean stop), and the index cut after keep bytes.
	crash := func(e *Embedded, keep int64) {
		t.Helper()
		e.Close()
		if err := os.Remove(filepath.Join(partDir, "snapshot.json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		idx := filepath.Join(partDir, "0.idx")
		if info, err := os.Stat(idx); err != nil {
			t.Fatal(err)
		} else if info.Size() <= keep {
			t.Fatalf("the index before the crash holds %d bytes, want more than %d", info.Size(), keep)
		}
		if err := os.Truncate(idx, keep); err != nil {
			t.Fatal(err)
		}
	}
	e := startBroker(t, EmbeddedConfig{DataDir: dataDir})
	produce(t, e, EventsTopic, 0, 5, 10, 100, time.Time{})
	crash(e, 2*15+7) // two entries of five, and a third torn

	e = startBroker(t, EmbeddedConfig{DataDir: dataDir})
	if end := e.cluster.PartitionInfo(EventsTopic, 0).HighWatermark; end != 50 {
		t.Fatalf("after a crash that cut the index: high watermark %d, want 50", end)
	}
	if end := produce(t, e, EventsTopic, 0, 2, 10, 100, time.Time{}); end != 70 {
		t.Fatalf("appending after the crash: high watermark %d, want 70", end)
	}
	if first, n := readFrom(t, e, EventsTopic, 0); first != 0 || n != 70 {
		t.Fatalf("after a crash that cut the index: read %d records from offset %d, want 70 from 0", n, first)
	}
	crash(e, 0) // the whole index

	e = startBroker(t, EmbeddedConfig{DataDir: dataDir})
	if first, n := readFrom(t, e, EventsTopic, 0); first != 0 || n != 70 {
		t.Fatalf("after a crash that lost the index: read %d records from offset %d, want 70 from 0", n, first)
	}
	if end := produce(t, e, EventsTopic, 0, 1, 10, 100, time.Time{}); end != 80 {
		t.Fatalf("appending after the second crash: high watermark %d, want 80", end)
	}
}
