package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// The consumer groups whose commits bound what the embedded broker's
// reclaimer deletes. They must match the GroupIDs the actors consume with;
// a topic consumed under another group is never trimmed by age or size.
const (
	WorkersGroup        = "workers"
	OutcomeWritersGroup = "outcome-writers"
)

// consumers lists, per trimmed topic, the groups that must all have
// committed past a record before it may go. The dead-letter topic has none.
func consumers(topic string) []string {
	switch topic {
	case EventsTopic:
		return []string{WorkersGroup}
	case OutcomesTopic:
		return []string{OutcomeWritersGroup}
	}
	return nil
}

// part is one partition's state and what a reclaim run deletes from it.
type part struct {
	topic      string
	partition  int
	start, end int64 // log start offset and high watermark
	bytes      int64 // bytes of the records from start to end
	limit      int64 // nothing at or above it may go
	byAge      int64 // delete below this for age (start when nothing)
	bySize     int64 // and below this for size
}

func (p *part) perRecord() float64 {
	if p.end <= p.start {
		return 0
	}
	return float64(p.bytes) / float64(p.end-p.start)
}

// cut is the offset the run deletes below.
func (p *part) cut() int64 { return max(p.byAge, p.bySize) }

// reclaimRun is one background run: counted, and logged when it fails.
func (e *Embedded) reclaimRun(ctx context.Context) {
	e.metrics.reclaimRuns.Inc()
	if err := e.reclaim(ctx); err != nil && ctx.Err() == nil {
		e.metrics.reclaimFailures.Inc()
		e.log.Warn("embedded broker: reclaiming log space failed; will retry", "err", err, "in", e.cfg.ReclaimEvery)
	}
}

// reclaim deletes, per partition, records below the lowest offset the
// topic's consumer groups committed once they are older than Retention,
// then more of them, oldest first, while the events and outcomes topics
// exceed MaxBytes or the disk has less than its minimum free. The
// dead-letter topic is trimmed by age and by its own cap. The last record
// of a partition always stays: kfake restarts a partition without segment
// files at offset 0, under its consumers' commits.
func (e *Embedded) reclaim(ctx context.Context) error {
	e.reclaimMu.Lock()
	defer e.reclaimMu.Unlock()
	now := time.Now()
	consumed := append(e.parts(EventsTopic), e.parts(OutcomesTopic)...)
	dead := e.parts(DeadLetterTopic)

	if err := e.cutByAge(ctx, consumed, now.Add(-e.cfg.Retention)); err != nil {
		return err
	}
	if err := e.cutByAge(ctx, dead, now.Add(-e.cfg.DeadLetterRetention)); err != nil {
		return err
	}
	need := retained(consumed) - e.cfg.MaxBytes
	if st := e.disk.Load(); st != nil && st.size > 0 && st.free < st.min {
		need = max(need, int64(st.min-st.free))
	}
	if need > 0 {
		if err := e.cutBySize(ctx, consumed, need, now.Add(-e.cfg.Retention), now); err != nil {
			return err
		}
	}
	for _, p := range dead {
		if over := float64(retained([]*part{p}) - e.cfg.DeadLetterMaxBytes); over > 0 && p.perRecord() > 0 {
			p.bySize = min(p.limit, p.byAge+int64(over/p.perRecord())+1)
		}
	}
	err := e.deleteBelow(append(consumed, dead...))
	e.observeLog()
	return err
}

// parts reads a topic's partitions and the limit its consumers set.
func (e *Embedded) parts(topic string) []*part {
	groups := consumers(topic)
	var commits []map[int32]int64
	for _, g := range groups {
		c := map[int32]int64{}
		if gi := e.cluster.GroupInfo(g); gi != nil {
			for p, gc := range gi.Commits[topic] {
				c[p] = gc.Offset
			}
		}
		commits = append(commits, c)
	}
	var ps []*part
	for _, pi := range e.cluster.PartitionInfos(topic) {
		p := &part{topic: topic, partition: int(pi.Partition), start: pi.LogStartOffset, end: pi.HighWatermark, bytes: pi.NumBytes}
		p.limit = p.end - 1 // keep the last record
		for _, c := range commits {
			off, ok := c[pi.Partition]
			if !ok {
				off = p.start // nothing committed: nothing consumed
			}
			p.limit = min(p.limit, off)
		}
		p.limit = max(p.limit, p.start)
		p.byAge, p.bySize = p.start, p.start
		ps = append(ps, p)
	}
	return ps
}

// retained estimates the bytes ps keep after this run's cuts.
func retained(ps []*part) int64 {
	var n float64
	for _, p := range ps {
		n += float64(p.bytes) - float64(p.cut()-p.start)*p.perRecord()
	}
	return int64(n)
}

// cutByAge sets each partition's age cut to the first record at or after
// before, within its limit.
func (e *Embedded) cutByAge(ctx context.Context, ps []*part, before time.Time) error {
	offs, err := e.offsetsAt(ctx, ps, before)
	if err != nil {
		return err
	}
	for i, p := range ps {
		p.byAge = max(p.start, min(p.limit, offs[i]))
	}
	return nil
}

// cutBySize frees about need bytes of consumed records, oldest first across
// partitions: it finds the earliest time T in [from, to] such that deleting
// every consumed record older than T frees need, by bisection on
// ListOffsets-by-timestamp answers, and deletes everything consumed when
// even that is not enough.
func (e *Embedded) cutBySize(ctx context.Context, ps []*part, need int64, from, to time.Time) error {
	freed := func(offs []int64) (n float64) {
		for i, p := range ps {
			n += float64(max(0, min(p.limit, offs[i])-p.byAge)) * p.perRecord()
		}
		return n
	}
	best := make([]int64, len(ps))
	for i, p := range ps {
		best[i] = p.limit
	}
	if freed(best) > float64(need) {
		lo, hi := from, to
		for range 24 { // 24 h / 2^24: 5 ms
			mid := lo.Add(hi.Sub(lo) / 2)
			offs, err := e.offsetsAt(ctx, ps, mid)
			if err != nil {
				return err
			}
			if freed(offs) >= float64(need) {
				hi, best = mid, offs
			} else {
				lo = mid
			}
		}
	} else if retained(ps)-int64(freed(best)) > e.cfg.MaxBytes {
		e.log.Warn("embedded broker: log over its size cap with records not yet consumed; they stay until the workers commit them",
			"max_bytes", e.cfg.MaxBytes)
	}
	for i, p := range ps {
		p.bySize = max(p.byAge, min(p.limit, best[i]))
	}
	return nil
}

// offsetsAt returns, per partition, the first offset whose record is not
// older than t (the high watermark when none is), by a ListOffsets request.
func (e *Embedded) offsetsAt(ctx context.Context, ps []*part, t time.Time) ([]int64, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, p := range ps {
		req.Topics[p.topic] = append(req.Topics[p.topic], kafka.TimeOffsetOf(p.partition, t))
	}
	resp, err := e.offsets.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("list offsets by time: %w", err)
	}
	found := map[string]map[int]int64{}
	for topic, pos := range resp.Topics {
		found[topic] = map[int]int64{}
		for _, po := range pos {
			if po.Error != nil {
				return nil, fmt.Errorf("list offsets of %s/%d by time: %w", topic, po.Partition, po.Error)
			}
			for off := range po.Offsets {
				found[topic][po.Partition] = off
			}
		}
	}
	offs := make([]int64, len(ps))
	for i, p := range ps {
		off, ok := found[p.topic][p.partition]
		if !ok || off < 0 {
			off = p.end
		}
		offs[i] = off
	}
	return offs, nil
}

// deleteBelow applies the cuts and counts what went.
func (e *Embedded) deleteBelow(ps []*part) error {
	var records int64
	var errs []error
	for _, p := range ps {
		cut := min(p.cut(), p.limit)
		if cut <= p.start {
			continue
		}
		if err := e.cluster.DeleteRecords(p.topic, int32(p.partition), cut); err != nil {
			errs = append(errs, fmt.Errorf("delete records of %s/%d below %d: %w", p.topic, p.partition, cut, err))
			continue
		}
		age := min(p.byAge, cut) - p.start
		e.metrics.reclaimed.WithLabelValues(p.topic, "age").Add(float64(age))
		e.metrics.reclaimed.WithLabelValues(p.topic, "size").Add(float64(cut - p.start - age))
		records += cut - p.start
	}
	if records > 0 {
		e.log.Info("embedded broker: log reclaimed", "records", records)
	}
	return errors.Join(errs...)
}

// observeLog sets the log size gauges.
func (e *Embedded) observeLog() {
	for _, topic := range []string{EventsTopic, OutcomesTopic, DeadLetterTopic} {
		var n int64
		for _, pi := range e.cluster.PartitionInfos(topic) {
			n += pi.NumBytes
		}
		e.metrics.logBytes.WithLabelValues(topic).Set(float64(n))
	}
}
