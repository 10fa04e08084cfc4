package queue

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// partitionCount is a topic's partitions, each one's leader, and when
// they were read.
type partitionCount struct {
	leaders    []int // by partition: the leading broker's id, or -1
	read       time.Time
	refreshing bool // a caller is reading it again
}

// partitions is the leaders of topic's partitions (its partition count is
// their number), read from the brokers at most every countTTL. While one
// caller reads stale ones again, the others go on with the stale ones.
func (w *Writer) partitions(ctx context.Context, topic string) ([]int, error) {
	w.mu.Lock()
	c, ok := w.counts[topic]
	fresh := ok && time.Since(c.read) < w.countTTL
	if ok && !fresh && c.refreshing {
		w.mu.Unlock()
		return c.leaders, nil
	}
	if ok && !fresh {
		c.refreshing = true
		w.counts[topic] = c
	}
	w.mu.Unlock()
	if fresh {
		return c.leaders, nil
	}
	leaders, err := w.readPartitions(ctx, topic)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if c, ok := w.counts[topic]; ok {
			c.refreshing = false
			w.counts[topic] = c
		}
		return nil, err
	}
	w.counts[topic] = partitionCount{leaders: leaders, read: time.Now()}
	return leaders, nil
}

func (w *Writer) readPartitions(ctx context.Context, topic string) ([]int, error) {
	meta, err := w.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("read the partitions of Kafka topic %s: %w", topic, err)
	}
	for _, t := range meta.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, fmt.Errorf("read the partitions of Kafka topic %s: %w", topic, t.Error)
		}
		if len(t.Partitions) > 0 {
			leaders := make([]int, len(t.Partitions))
			for i := range leaders {
				leaders[i] = -1
			}
			for _, p := range t.Partitions {
				if p.ID >= 0 && p.ID < len(leaders) && p.Leader.Host != "" {
					leaders[p.ID] = p.Leader.ID
				}
			}
			return leaders, nil
		}
	}
	return nil, fmt.Errorf("read the partitions of Kafka topic %s: %w", topic, kafka.UnknownTopicOrPartition)
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
