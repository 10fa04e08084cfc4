package queue

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// partitionCount is a topic's partition count and when it was read.
type partitionCount struct {
	n          int
	read       time.Time
	refreshing bool // a caller is reading it again
}

// partitions is topic's partition count, read from the brokers at most
// every countTTL. While one caller reads a stale count again, the
// others go on with the stale one.
func (w *Writer) partitions(ctx context.Context, topic string) (int, error) {
	w.mu.Lock()
	c, ok := w.counts[topic]
	fresh := ok && time.Since(c.read) < w.countTTL
	if ok && !fresh && c.refreshing {
		w.mu.Unlock()
		return c.n, nil
	}
	if ok && !fresh {
		c.refreshing = true
		w.counts[topic] = c
	}
	w.mu.Unlock()
	if fresh {
		return c.n, nil
	}
	n, err := w.readPartitions(ctx, topic)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if c, ok := w.counts[topic]; ok {
			c.refreshing = false
			w.counts[topic] = c
		}
		return 0, err
	}
	w.counts[topic] = partitionCount{n: n, read: time.Now()}
	return n, nil
}

func (w *Writer) readPartitions(ctx context.Context, topic string) (int, error) {
	meta, err := w.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return 0, fmt.Errorf("read the partitions of Kafka topic %s: %w", topic, err)
	}
	for _, t := range meta.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return 0, fmt.Errorf("read the partitions of Kafka topic %s: %w", topic, t.Error)
		}
		if len(t.Partitions) > 0 {
			return len(t.Partitions), nil
		}
	}
	return 0, fmt.Errorf("read the partitions of Kafka topic %s: %w", topic, kafka.UnknownTopicOrPartition)
}

// forgetPartitions makes the next write read topic's partitions again, in
// case a failed produce came from a changed topic.
func (w *Writer) forgetPartitions(topic string) {
	w.mu.Lock()
	delete(w.counts, topic)
	w.mu.Unlock()
}

// partitionLists holds the [0, n) lists the balancer picks from.
var partitionLists sync.Map // int -> []int

func partitionList(n int) []int {
	if l, ok := partitionLists.Load(n); ok {
		return l.([]int)
	}
	l := make([]int, n)
	for i := range l {
		l[i] = i
	}
	partitionLists.Store(n, l)
	return l
}
