package analytics

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// DropStored removes from r the events, transactions and spans that
// ClickHouse already holds: a worker calls it for a batch that may replay
// records a crashed worker stored but did not commit. Doing this once on
// replay is what lets the aggregate queries count rows as they are, instead
// of deduplicating every row they read (LIMIT 1 BY event_id made a 30-day
// chart 15 times slower). ReplacingMergeTree still collapses any duplicate
// that slips through when parts merge.
func (s *Store) DropStored(ctx context.Context, r Rows) (Rows, int, error) {
	dropped := 0
	if len(r.Events) > 0 {
		seen, err := storedIDs(ctx, s, "events", "event_id", "timestamp", r.Events, func(e EventRow) (uint64, string, time.Time) {
			return e.ProjectID, e.EventID, e.Timestamp
		})
		if err != nil {
			return r, 0, err
		}
		r.Events, dropped = keep(r.Events, dropped, func(e EventRow) bool { return !seen[e.EventID] })
	}
	if len(r.Transactions) > 0 {
		seen, err := storedIDs(ctx, s, "transactions", "event_id", "start", r.Transactions, func(t TransactionRow) (uint64, string, time.Time) {
			return t.ProjectID, t.EventID, t.Start
		})
		if err != nil {
			return r, 0, err
		}
		r.Transactions, dropped = keep(r.Transactions, dropped, func(t TransactionRow) bool { return !seen[t.EventID] })
	}
	if len(r.Spans) > 0 {
		// A transaction's spans go in with one INSERT: if any is stored, all
		// are. Replays are rare, so the runs are joined into one here.
		spans := slices.Concat(r.Spans...)
		seen, err := storedIDs(ctx, s, "spans", "transaction_id", "start", spans, func(sp SpanRow) (uint64, string, time.Time) {
			return sp.ProjectID, sp.TransactionID, sp.Start
		})
		if err != nil {
			return r, 0, err
		}
		spans, dropped = keep(spans, dropped, func(sp SpanRow) bool { return !seen[sp.TransactionID] })
		r.Spans = nil
		r.AddSpans(spans)
	}
	return r, dropped, nil
}

// storedIDs asks which of rows' ids a table holds, narrowed to their
// projects and time range so ClickHouse reads only the parts they could be in.
// Spans repeat their transaction's id, so ids are asked once each, and at
// most maxIDsPerLookup at a time: ClickHouse refuses a query longer than its
// max_query_size (256 KiB), and a batch of 200 transactions of 50 spans
// once listed 10,000 ids (350 KB), failing every retry of its partition.
func storedIDs[R any](ctx context.Context, s *Store, table, idCol, tsCol string, rows []R, key func(R) (uint64, string, time.Time)) (map[string]bool, error) {
	projects := map[uint64]bool{}
	unique := map[string]bool{}
	var ids []string
	var first, last time.Time
	for i, row := range rows {
		p, id, ts := key(row)
		projects[p] = true
		if !unique[id] {
			unique[id] = true
			ids = append(ids, id)
		}
		if i == 0 || ts.Before(first) {
			first = ts
		}
		if i == 0 || ts.After(last) {
			last = ts
		}
	}
	var pids []uint64
	for p := range projects {
		pids = append(pids, p)
	}
	q := fmt.Sprintf(`SELECT DISTINCT toString(%s) FROM %s WHERE project_id IN ? AND %s >= ? AND %s <= ? AND %s IN ?`,
		idCol, table, tsCol, tsCol, idCol)
	seen := map[string]bool{}
	for chunk := range slices.Chunk(ids, maxIDsPerLookup) {
		if err := readStoredIDs(ctx, s, table, q, seen, projectSet(pids), first.UTC().Truncate(time.Second), last.UTC().Add(time.Second), setOf(chunk)); err != nil {
			return nil, err
		}
	}
	return seen, nil
}

// maxIDsPerLookup keeps a lookup's id list (about 35 bytes an id) near 140
// KB, well inside ClickHouse's default max_query_size of 256 KiB.
const maxIDsPerLookup = 4000

func readStoredIDs(ctx context.Context, s *Store, table, q string, seen map[string]bool, args ...any) error {
	res, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("look up stored %s: %w", table, err)
	}
	defer res.Close()
	for res.Next() {
		var id string
		if err := res.Scan(&id); err != nil {
			return fmt.Errorf("read stored %s: %w", table, err)
		}
		seen[id] = true
	}
	return res.Err()
}

func keep[R any](rows []R, dropped int, ok func(R) bool) ([]R, int) {
	out := rows[:0]
	for _, r := range rows {
		if ok(r) {
			out = append(out, r)
		} else {
			dropped++
		}
	}
	return out, dropped
}
