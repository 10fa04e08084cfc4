package queue

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// Records the workers committed past go once older than the retention;
// the rest stay readable, and the files they were in leave the disk.
func TestReclaimDeletesConsumedRecords(t *testing.T) {
	e := startBroker(t, EmbeddedConfig{Retention: time.Millisecond, segmentBytes: 8 << 10})
	w := NewWriter([]string{e.Addr()}, nil)
	const rounds, perRound = 25, 64
	for r := range rounds {
		msgs := make([]kafka.Message, perRound)
		for i := range msgs {
			msgs[i] = kafka.Message{Topic: EventsTopic, Key: fmt.Appendf(nil, "%d", i), Value: make([]byte, 1000)}
		}
		if err := w.WriteMessages(context.Background(), msgs...); err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
	}
	w.Close()

	// The workers' group consumes and commits half.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{e.Addr()}, GroupID: WorkersGroup, Topic: EventsTopic,
		StartOffset: kafka.FirstOffset, MaxWait: 50 * time.Millisecond, HeartbeatInterval: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var consumed []kafka.Message
	for len(consumed) < rounds*perRound/2 {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		consumed = append(consumed, m)
	}
	if err := r.CommitMessages(ctx, consumed...); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	before, segsBefore := diskUsage(t, e.dir)
	if err := e.reclaim(ctx); err != nil {
		t.Fatal(err)
	}
	after, segsAfter := diskUsage(t, e.dir)
	t.Logf("%d records of 1000 B, %d consumed: %d bytes in %d segment files before, %d bytes in %d after",
		rounds*perRound, len(consumed), before, segsBefore, after, segsAfter)
	if after > before*3/4 {
		t.Errorf("%d bytes on disk after reclaiming half the records, %d before", after, before)
	}

	commits := e.cluster.GroupInfo(WorkersGroup).Commits[EventsTopic]
	var kept int64
	for _, pi := range e.cluster.PartitionInfos(EventsTopic) {
		want := int64(0)
		if c, ok := commits[pi.Partition]; ok {
			want = min(c.Offset, pi.HighWatermark-1)
		}
		if pi.LogStartOffset != want {
			t.Errorf("partition %d: log start %d, want %d (commit %v, high watermark %d)", pi.Partition, pi.LogStartOffset, want, commits[pi.Partition], pi.HighWatermark)
		}
		first, n := readFrom(t, e, EventsTopic, int(pi.Partition))
		if n != pi.HighWatermark-pi.LogStartOffset || (n > 0 && first != pi.LogStartOffset) {
			t.Errorf("partition %d: read %d records from %d, want %d from %d", pi.Partition, n, first, pi.HighWatermark-pi.LogStartOffset, pi.LogStartOffset)
		}
		kept += n
	}
	if unconsumed := int64(rounds*perRound - len(consumed)); kept < unconsumed {
		t.Errorf("%d records left, fewer than the %d not consumed", kept, unconsumed)
	}
}

// Over the size cap, consumed records go oldest first whatever their age;
// records not consumed stay even when they are the oldest.
func TestReclaimSizeCapSparesUnconsumed(t *testing.T) {
	e := startBroker(t, EmbeddedConfig{})
	now := time.Now()
	// Partition 0 oldest (a minute apart per batch), then 1, then 2; 3 is
	// older still but not consumed.
	for b := range 10 {
		produce(t, e, EventsTopic, 0, 1, 10, 500, now.Add(-3*time.Hour+time.Duration(b)*time.Minute))
	}
	produce(t, e, EventsTopic, 1, 10, 10, 500, now.Add(-2*time.Hour))
	produce(t, e, EventsTopic, 2, 10, 10, 500, now.Add(-time.Hour))
	produce(t, e, EventsTopic, 3, 10, 10, 500, now.Add(-4*time.Hour))
	commit(t, e, WorkersGroup, EventsTopic, map[int]int64{0: 100, 1: 100, 2: 100})

	var total int64
	for _, pi := range e.cluster.PartitionInfos(EventsTopic) {
		total += pi.NumBytes
	}
	p0 := e.cluster.PartitionInfo(EventsTopic, 0).NumBytes
	starts := func() (s [4]int64) {
		for p := range s {
			s[p] = e.cluster.PartitionInfo(EventsTopic, int32(p)).LogStartOffset
		}
		return s
	}

	// Half of partition 0 over the cap: the oldest half of it goes.
	setMaxBytes(e, total-p0/2)
	if err := e.reclaim(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := starts(); s[0] < 40 || s[0] > 60 || s[1] != 0 || s[2] != 0 || s[3] != 0 {
		t.Fatalf("log starts %v; want about 50 in partition 0 and nothing else deleted", s)
	}

	// Nothing may stay but what is not consumed: partition 3 stays whole.
	setMaxBytes(e, 1)
	if err := e.reclaim(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := starts(); s != [4]int64{99, 99, 99, 0} {
		t.Fatalf("log starts %v; want all consumed records but each partition's last gone, partition 3 kept", s)
	}
	if first, n := readFrom(t, e, EventsTopic, 3); first != 0 || n != 100 {
		t.Fatalf("unconsumed partition: read %d records from %d, want 100 from 0", n, first)
	}
}

// Nothing consumes the dead-letter topic: age and its own cap trim it.
func TestReclaimDeadLetters(t *testing.T) {
	t.Run("age", func(t *testing.T) {
		e := startBroker(t, EmbeddedConfig{})
		produce(t, e, DeadLetterTopic, 0, 5, 4, 500, time.Now().Add(-40*24*time.Hour))
		end := produce(t, e, DeadLetterTopic, 0, 5, 4, 500, time.Now().Add(-time.Hour))
		if err := e.reclaim(context.Background()); err != nil {
			t.Fatal(err)
		}
		if first, n := readFrom(t, e, DeadLetterTopic, 0); first != 20 || n != end-20 {
			t.Fatalf("read %d dead letters from %d; want the %d younger than 30 days, from 20", n, first, end-20)
		}
	})
	t.Run("size", func(t *testing.T) {
		e := startBroker(t, EmbeddedConfig{DeadLetterMaxBytes: 3 * 4 * 600})
		end := produce(t, e, DeadLetterTopic, 0, 10, 4, 500, time.Time{})
		if err := e.reclaim(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Space goes by whole batches (4 records here), so the cap holds
		// to within one batch.
		pi := e.cluster.PartitionInfo(DeadLetterTopic, 0)
		if pi.HighWatermark != end || pi.LogStartOffset < end-16 || pi.LogStartOffset > end-12 {
			t.Fatalf("%d bytes kept from %d to %d; want the newest %d bytes, about 12 records", pi.NumBytes, pi.LogStartOffset, pi.HighWatermark, e.cfg.DeadLetterMaxBytes)
		}
	})
}

// Metrics come from the run; the background run does the same work.
func TestReclaimRunsInBackground(t *testing.T) {
	e := startBroker(t, EmbeddedConfig{Retention: time.Millisecond, ReclaimEvery: 20 * time.Millisecond})
	end := produce(t, e, OutcomesTopic, 1, 3, 5, 100, time.Time{})
	commit(t, e, OutcomeWritersGroup, OutcomesTopic, map[int]int64{1: end})
	deadline := time.Now().Add(5 * time.Second)
	for e.cluster.PartitionInfo(OutcomesTopic, 1).LogStartOffset != end-1 {
		if time.Now().After(deadline) {
			t.Fatalf("log start %d after 5 s, want %d", e.cluster.PartitionInfo(OutcomesTopic, 1).LogStartOffset, end-1)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// setMaxBytes changes the size cap between runs.
func setMaxBytes(e *Embedded, n int64) {
	e.reclaimMu.Lock()
	defer e.reclaimMu.Unlock()
	e.cfg.MaxBytes = n
}
