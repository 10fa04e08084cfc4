package actors

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/faultline/faultline/ingest/queue"
	"github.com/segmentio/kafka-go"
)

// lagMonitor measures how far the consumer group is behind from the
// broker's end offsets and the group's committed offsets, not from what a
// consumer last saw: a stalled consumer sees nothing, and its lag must
// still grow. It also reads the oldest record not yet committed, whose age
// is how late the group is in time.
type lagMonitor struct {
	client *kafka.Client
	group  string
	every  time.Duration
	gauges *workerMetrics
	log    *slog.Logger
}

func newLagMonitor(client *kafka.Client, group string, gauges *workerMetrics, log *slog.Logger) *lagMonitor {
	return &lagMonitor{client: client, group: group, every: 5 * time.Second, gauges: gauges, log: log}
}

// run measures every m.every until ctx ends.
func (m *lagMonitor) run(ctx context.Context) {
	t := time.NewTicker(m.every)
	defer t.Stop()
	for {
		if err := m.measure(ctx); err != nil && ctx.Err() == nil {
			m.log.Debug("consumer lag not measured", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *lagMonitor) measure(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	topic := queue.EventsTopic
	var parts []int
	var ends []kafka.OffsetRequest
	for i := range queue.Partitions {
		parts = append(parts, i)
		ends = append(ends, kafka.LastOffsetOf(i), kafka.FirstOffsetOf(i))
	}
	offsets, err := m.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: ends}})
	if err != nil {
		return err
	}
	committed, err := m.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: m.group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		return err
	}
	done := map[int]int64{}
	for _, p := range committed.Topics[topic] {
		if p.Error == nil {
			done[p.Partition] = p.CommittedOffset
		}
	}
	var oldest time.Duration
	for _, p := range offsets.Topics[topic] {
		if p.Error != nil {
			continue
		}
		from, ok := done[p.Partition]
		if !ok || from < p.FirstOffset {
			from = p.FirstOffset // nothing committed yet, or retention moved past it
		}
		lag := max(p.LastOffset-from, 0)
		m.gauges.consumerLag.WithLabelValues(topic, strconv.Itoa(p.Partition)).Set(float64(lag))
		if lag > 0 {
			if at, err := m.recordTime(ctx, p.Partition, from); err == nil {
				oldest = max(oldest, time.Since(at))
			}
		}
	}
	m.gauges.oldestUnprocessed.Set(oldest.Seconds())
	return nil
}

// recordTime is the timestamp of the record at offset.
func (m *lagMonitor) recordTime(ctx context.Context, partition int, offset int64) (time.Time, error) {
	res, err := m.client.Fetch(ctx, &kafka.FetchRequest{Topic: queue.EventsTopic, Partition: partition, Offset: offset,
		MinBytes: 1, MaxBytes: 1, MaxWait: 100 * time.Millisecond})
	if err != nil {
		return time.Time{}, err
	}
	for {
		rec, err := res.Records.ReadRecord()
		if err != nil {
			return time.Time{}, err
		}
		if rec.Offset >= offset {
			return rec.Time, nil
		}
	}
}
