package metadata

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The replay guard. A worker commits a partition's offset only after the
// batch is in both stores, so a crash replays records whose events were
// counted already. Their issues must not count them twice.
//
// A worker counts a partition's records in log order, one batch after the
// other, so where the counting of a project reached in a partition (its
// mark: the highest offset counted, and the latest receive time among what
// was counted) tells a replayed record from a new one without a row per
// event: a record at or below the mark's offset,
// received no later than the mark's time, was counted. The time covers a
// log that started over (an embedded broker's data deleted, a new Kafka
// cluster) while PostgreSQL kept its marks: its records reuse low offsets
// but were received after everything the marks counted. A batch that shows
// such a record sets its partition's mark back to what it counted.
//
// The marks are read and moved in the counting transaction, locked, so two
// workers briefly owning one partition in a rebalance count a record once.

// LogPosition is where an event's record sat in the queue's log.
type LogPosition struct {
	Partition int
	Offset    int64
	Received  time.Time // when ingest accepted it
}

// replayMark is how far a project's counting reached in one partition.
type replayMark struct {
	offset   int64 // -1: nothing counted yet
	received time.Time
}

// unmarked is a new mark's value: below every offset.
var unmarked = replayMark{offset: -1, received: time.Unix(0, 0).UTC()}

// freshEvents returns the ids of the batch's events to count: not
// replayed, not marked Seen, and not repeated earlier in the batch. It
// moves the project's marks past the batch, within tx.
func freshEvents(ctx context.Context, tx pgx.Tx, projectID int64, events []GroupedEvent) ([]string, error) {
	marks, err := lockMarks(ctx, tx, projectID, events)
	if err != nil {
		return nil, err
	}
	fresh := make([]string, 0, len(events))
	inBatch := make(map[string]bool, len(events))
	next := make(map[int]replayMark, len(marks))
	restarted := map[int]bool{}
	for _, e := range events {
		replayed := false
		if p := e.Log; p != nil {
			m := marks[p.Partition]
			if p.Offset <= m.offset {
				replayed = !p.Received.After(m.received)
				restarted[p.Partition] = restarted[p.Partition] || !replayed
			}
			n, ok := next[p.Partition]
			if !ok {
				n = unmarked
			}
			next[p.Partition] = replayMark{offset: max(n.offset, p.Offset), received: latest(n.received, p.Received)}
		}
		if replayed || e.Seen || inBatch[e.EventID] {
			continue
		}
		inBatch[e.EventID] = true
		fresh = append(fresh, e.EventID)
	}
	if len(next) == 0 {
		return fresh, nil
	}
	parts, offsets, times := make([]int32, 0, len(next)), make([]int64, 0, len(next)), make([]time.Time, 0, len(next))
	for part, n := range next {
		if m := marks[part]; !restarted[part] {
			n = replayMark{offset: max(n.offset, m.offset), received: latest(n.received, m.received)}
		}
		parts, offsets, times = append(parts, int32(part)), append(offsets, n.offset), append(times, n.received)
	}
	if _, err := tx.Exec(ctx, `UPDATE replay_marks m SET last_offset = u.o, last_received = u.r
		FROM unnest($2::int[], $3::bigint[], $4::timestamptz[]) AS u(p, o, r)
		WHERE m.project_id = $1 AND m.log_partition = u.p`, projectID, parts, offsets, times); err != nil {
		return nil, fmt.Errorf("move replay marks: %w", err)
	}
	return fresh, nil
}

// lockMarks returns the project's marks in the partitions events came
// from, locked for the transaction; a partition without one gets one.
func lockMarks(ctx context.Context, tx pgx.Tx, projectID int64, events []GroupedEvent) (map[int]replayMark, error) {
	var parts []int32
	seen := map[int]bool{}
	for _, e := range events {
		if e.Log != nil && !seen[e.Log.Partition] {
			seen[e.Log.Partition] = true
			parts = append(parts, int32(e.Log.Partition))
		}
	}
	marks := make(map[int]replayMark, len(parts))
	if len(parts) == 0 {
		return marks, nil
	}
	// An upsert rather than SELECT ... FOR UPDATE: a partition's first
	// batch has no row to lock, and two transactions must not both find
	// none.
	rows, err := tx.Query(ctx, `INSERT INTO replay_marks (project_id, log_partition, last_offset, last_received)
		SELECT $1, p, $3, $4 FROM unnest($2::int[]) AS p
		ON CONFLICT (project_id, log_partition) DO UPDATE SET last_offset = replay_marks.last_offset
		RETURNING log_partition, last_offset, last_received`, projectID, parts, unmarked.offset, unmarked.received)
	if err != nil {
		return nil, fmt.Errorf("lock replay marks: %w", err)
	}
	for rows.Next() {
		var part int32
		var m replayMark
		if err := rows.Scan(&part, &m.offset, &m.received); err != nil {
			return nil, fmt.Errorf("lock replay marks: %w", err)
		}
		marks[int(part)] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lock replay marks: %w", err)
	}
	return marks, nil
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
