package queue

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// byKey sends a record to the partition its key names ("3" to partition 3).
var byKey = kafka.BalancerFunc(func(m kafka.Message, _ ...int) int {
	var p int
	fmt.Sscan(string(m.Key), &p)
	return p
})

// writeWaves has w write waves from to to-1 of one record to each of
// partitions at once, wave i's record to partition p valued "p/i", and
// fails on any error.
func writeWaves(t *testing.T, w *Writer, topic string, partitions, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		var wg sync.WaitGroup
		errs := make([]error, partitions)
		for p := range partitions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[p] = w.WriteMessages(context.Background(), kafka.Message{Topic: topic, Key: fmt.Append(nil, p), Value: fmt.Appendf(nil, "%d/%d", p, i)})
			}()
		}
		wg.Wait()
		for p, err := range errs {
			if err != nil {
				t.Fatalf("wave %d, partition %d: %v", i, p, err)
			}
		}
	}
}

// wantWaves checks that each partition holds its waves' records in order.
func wantWaves(t *testing.T, addr, topic string, partitions, waves int) {
	t.Helper()
	for p := range partitions {
		var want []string
		for i := range waves {
			want = append(want, fmt.Sprintf("%d/%d", p, i))
		}
		if got := readValues(t, addr, topic, p, waves); got != strings.Join(want, " ") {
			t.Errorf("partition %d holds %q, want %q", p, got, strings.Join(want, " "))
		}
	}
}

// The partitions one broker leads share a produce request: with 8
// partitions written at once, a request per partition cost the broker a
// request (and kafka-go an encoding, and the answer a wait) for each.
func TestOneRequestCarriesTheBrokersPartitions(t *testing.T) {
	const partitions, waves = 8, 20
	e := startBroker(t, EmbeddedConfig{})
	var requests, carried atomic.Int64
	e.cluster.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		e.cluster.KeepControl()
		requests.Add(1)
		for _, topic := range req.(*kmsg.ProduceRequest).Topics {
			carried.Add(int64(len(topic.Partitions)))
		}
		return nil, nil, false
	})
	w := NewWriter([]string{e.Addr()}, e.Dial)
	defer w.Close()
	w.Balancer = byKey
	writeWaves(t, w, EventsTopic, partitions, 0, 1) // metadata and segments
	before := requests.Load()
	writeWaves(t, w, EventsTopic, partitions, 1, waves+1)
	sent := requests.Load() - before
	if sent >= partitions*waves/2 {
		t.Errorf("%d waves of %d partitions took %d produce requests (%d partitions carried in all), want about two a wave", waves, partitions, sent, carried.Load())
	}
	wantWaves(t, e.Addr(), EventsTopic, partitions, waves+1)
}

// Against brokers that lead different partitions, each broker gets the
// records of its own partitions, all in order.
func TestWriterSendsEachBrokerItsPartitions(t *testing.T) {
	const partitions, waves = 6, 5
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(partitions, EventsTopic))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	leaders := map[int32]bool{}
	for p := range int32(partitions) {
		leaders[c.PartitionInfo(EventsTopic, p).Leader] = true
	}
	if len(leaders) < 2 {
		t.Fatalf("the test cluster put every partition on one leader: %v", leaders)
	}
	w := NewWriter(c.ListenAddrs(), nil)
	defer w.Close()
	w.Balancer = byKey
	writeWaves(t, w, EventsTopic, partitions, 0, waves)
	wantWaves(t, c.ListenAddrs()[0], EventsTopic, partitions, waves)
}

// A partition the broker fails is sent again on its own; the records of
// the others in the same request are answered at once, and only once.
func TestWriterRetriesOnlyTheFailedPartition(t *testing.T) {
	const partitions = 4
	e := startBroker(t, EmbeddedConfig{})
	w := NewWriter([]string{e.Addr()}, e.Dial)
	defer w.Close()
	w.Balancer = byKey
	w.backoff = func(int) time.Duration { return time.Millisecond }
	writeWaves(t, w, EventsTopic, partitions, 0, 1)

	// Fail partition 2 in a request that carries others too, once, as a
	// broker whose leadership just moved would.
	fault := e.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: EventsTopic, Partitions: []int32{2},
		Err: kerr.NotLeaderForPartition, When: func(req kmsg.Request) bool {
			topics := req.(*kmsg.ProduceRequest).Topics
			return len(topics) == 1 && len(topics[0].Partitions) > 1
		}})
	writeWaves(t, w, EventsTopic, partitions, 1, 4)
	if fault.Hits() != 1 {
		t.Fatalf("the fault on partition 2 answered %d requests, want 1", fault.Hits())
	}
	wantWaves(t, e.Addr(), EventsTopic, partitions, 4)
}
