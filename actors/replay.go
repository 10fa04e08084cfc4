package actors

import "github.com/segmentio/kafka-go"

// replayWindow tells which records may already be stored. A worker commits
// after every batch, so after a crash only the batch in flight, at most
// MaxBatch records past the committed offset, can have reached ClickHouse
// uncommitted. Whenever a partition starts at an offset this worker did not
// reach by itself (start-up, a rebalance, a rewind), the next span records
// of it are suspect; everything after is new.
type replayWindow struct {
	span int64
	next map[int]int64 // partition → the offset expected next
	end  map[int]int64 // partition → where its suspect range ends
}

// suspect records batch's offsets and reports whether any of its records
// lies in a suspect range, and which partitions this worker (re)started
// with this batch: their projects' in-memory state may be stale.
func (w *replayWindow) suspect(batch []kafka.Message) (bool, map[int]bool) {
	if w.next == nil {
		w.next, w.end = map[int]int64{}, map[int]int64{}
	}
	any := false
	restarted := map[int]bool{}
	for _, m := range batch {
		if next, ok := w.next[m.Partition]; !ok || m.Offset != next {
			w.end[m.Partition] = m.Offset + w.span
			restarted[m.Partition] = true
		}
		w.next[m.Partition] = m.Offset + 1
		if m.Offset < w.end[m.Partition] {
			any = true
		}
	}
	return any, restarted
}
