package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// produceLog records how many records each produce request to the broker
// carried, and can hold the first request it sees until released.
type produceLog struct {
	mu       sync.Mutex
	requests []int
	hold     chan struct{} // closed: held requests go on
	held     chan struct{} // closed once a request is held
	holdOnce sync.Once
}

func watchProduces(e *Embedded, holdFirst bool) *produceLog {
	l := &produceLog{hold: make(chan struct{}), held: make(chan struct{})}
	if !holdFirst {
		close(l.hold)
	}
	e.cluster.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		e.cluster.KeepControl()
		n := 0
		for _, t := range req.(*kmsg.ProduceRequest).Topics {
			for _, p := range t.Partitions {
				var batch kmsg.RecordBatch
				if err := batch.ReadFrom(p.Records); err == nil {
					n += int(batch.NumRecords)
				}
			}
		}
		l.mu.Lock()
		l.requests = append(l.requests, n)
		first := len(l.requests) == 1
		l.mu.Unlock()
		if first {
			l.holdOnce.Do(func() { close(l.held) })
			e.cluster.SleepControl(func() { <-l.hold })
		}
		return nil, nil, false // the broker handles it as usual
	})
	return l
}

func (l *produceLog) sizes() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int(nil), l.requests...)
}

// Records that arrive one by one while a partition's request is out leave
// together in its next request, however far apart they came: a writer that
// closed batches on a timer sent one request each, and every accepted event
// waited out that timer.
func TestRecordsWaitingForARequestLeaveTogether(t *testing.T) {
	e := startBroker(t, EmbeddedConfig{})
	w := NewWriter([]string{e.Addr()}, nil)
	defer w.Close()
	w.Balancer = kafka.BalancerFunc(func(kafka.Message, ...int) int { return 0 })
	ctx := context.Background()
	if err := w.WriteMessages(ctx, kafka.Message{Topic: EventsTopic, Value: []byte("warm-up")}); err != nil {
		t.Fatal(err)
	}
	produces := watchProduces(e, true)

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	write := func(v string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- w.WriteMessages(ctx, kafka.Message{Topic: EventsTopic, Value: []byte(v)})
		}()
	}
	write("first")
	<-produces.held
	for _, v := range []string{"second", "third", "fourth"} {
		write(v)
		time.Sleep(50 * time.Millisecond) // longer than any batch timer would wait
	}
	close(produces.hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := produces.sizes(); fmt.Sprint(got) != "[1 3]" {
		t.Errorf("records per produce request: %v, want [1 3] (the three that waited, in one request)", got)
	}
	if got := readValues(t, e.Addr(), EventsTopic, 0, 5); got != "warm-up first second third fourth" {
		t.Errorf("partition 0 holds %q", got)
	}
}

// A write to several topics returns once every topic acknowledged, and a
// batch never grows past the limit a broker accepts.
func TestWriterSplitsBatchesAtTheLimit(t *testing.T) {
	e := startBroker(t, EmbeddedConfig{})
	w := NewWriter([]string{e.Addr()}, nil)
	defer w.Close()
	w.maxBatchBytes = 4 << 10
	w.Balancer = kafka.BalancerFunc(func(kafka.Message, ...int) int { return 0 })
	produces := watchProduces(e, false)
	var msgs []kafka.Message
	for i := range 10 {
		msgs = append(msgs, kafka.Message{Topic: EventsTopic, Value: fmt.Appendf(make([]byte, 0, 1500), "%-1500d", i)})
	}
	msgs = append(msgs, kafka.Message{Topic: OutcomesTopic, Value: []byte("outcome")})
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range produces.sizes() {
		total += n
		if n > 2 {
			t.Errorf("a request carried %d records of 1.5 KB under a 4 KB limit", n)
		}
	}
	if total != 11 {
		t.Errorf("the broker got %d records in %v, want 11", total, produces.sizes())
	}
	if got := readValues(t, e.Addr(), OutcomesTopic, 0, 1); got != "outcome" {
		t.Errorf("outcomes partition 0 holds %q", got)
	}

	big := kafka.Message{Topic: EventsTopic, Value: make([]byte, 5<<10)}
	if err := w.WriteMessages(context.Background(), big); err == nil || !strings.Contains(err.Error(), "exceeds the 4096-byte batch limit") {
		t.Errorf("a 5 KB record under a 4 KB limit: %v", err)
	}
}

// A broker that is gone fails the write with its reason once the retries
// are spent, instead of leaving the caller waiting; a closed writer refuses
// writes.
func TestWriterFailsWhenTheBrokerIsGone(t *testing.T) {
	e := startBroker(t, EmbeddedConfig{})
	w := NewWriter([]string{e.Addr()}, nil)
	w.Balancer = kafka.BalancerFunc(func(kafka.Message, ...int) int { return 0 })
	w.backoff = func(int) time.Duration { return time.Millisecond }
	ctx := context.Background()
	if err := w.WriteMessages(ctx, kafka.Message{Topic: EventsTopic, Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	e.Close()
	err := w.WriteMessages(ctx, kafka.Message{Topic: EventsTopic, Value: []byte("v")})
	if err == nil || !strings.Contains(err.Error(), "produce 1 records to "+EventsTopic+"/0") {
		t.Errorf("write to a closed broker: %v", err)
	}
	w.Close()
	if err := w.WriteMessages(ctx, kafka.Message{Topic: EventsTopic, Value: []byte("v")}); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("write to a closed writer: %v", err)
	}
}

// readValues reads n records from the start of a partition and joins their
// values with spaces.
func readValues(t *testing.T, addr, topic string, partition, n int) string {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: partition, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var values []string
	for range n {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %s/%d after %d records: %v", topic, partition, len(values), err)
		}
		values = append(values, string(m.Value))
	}
	return strings.Join(values, " ")
}

// Partitions added to a topic take records once the writer's count of them
// is stale, and not before.
func TestWriterSeesAddedPartitions(t *testing.T) {
	e := startBroker(t, EmbeddedConfig{})
	w := NewWriter([]string{e.Addr()}, nil)
	defer w.Close()
	w.transport.MetadataTTL = 10 * time.Millisecond
	last := kafka.BalancerFunc(func(_ kafka.Message, partitions ...int) int { return partitions[len(partitions)-1] })
	w.Balancer = last
	ctx := context.Background()
	write := func(v string) {
		t.Helper()
		if err := w.WriteMessages(ctx, kafka.Message{Topic: DeadLetterTopic, Value: []byte(v)}); err != nil {
			t.Fatal(err)
		}
	}
	write("before")
	res, err := w.client.CreatePartitions(ctx, &kafka.CreatePartitionsRequest{Topics: []kafka.TopicPartitionsConfig{{Name: DeadLetterTopic, Count: 2}}})
	if err == nil {
		err = res.Errors[DeadLetterTopic]
	}
	if err != nil {
		t.Fatal(err)
	}
	write("cached")
	w.countTTL = 0
	waitFor(t, "the writer to count the added partition", func() bool {
		leaders, err := w.partitions(ctx, DeadLetterTopic)
		return err == nil && len(leaders) == 2
	})
	write("after")
	if got := readValues(t, e.Addr(), DeadLetterTopic, 0, 2); got != "before cached" {
		t.Errorf("partition 0 holds %q, want the records written while the count was fresh", got)
	}
	if got := readValues(t, e.Addr(), DeadLetterTopic, 1, 1); got != "after" {
		t.Errorf("the added partition holds %q", got)
	}
}
