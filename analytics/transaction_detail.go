package analytics

import (
	"context"
	"fmt"
	"time"
)

// SlowestTransactions returns a transaction name's slowest samples since a
// time, slowest first.
func (s *Store) SlowestTransactions(ctx context.Context, projectID uint64, name string, since time.Time, limit int) ([]TransactionRow, error) {
	rows, err := s.conn.Query(ctx, `SELECT event_id, trace_id, status, http_status, start, start_ms, duration_ms, release, environment, user_key
		FROM transactions WHERE project_id = ? AND name = ? AND start >= ?
		ORDER BY duration_ms DESC, event_id LIMIT 1 BY event_id LIMIT ?`, projectID, name, since.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("query slowest transactions: %w", err)
	}
	defer rows.Close()
	var out []TransactionRow
	for rows.Next() {
		t := TransactionRow{ProjectID: projectID, Name: name}
		var startMS uint16
		var durMS float64
		if err := rows.Scan(&t.EventID, &t.TraceID, &t.Status, &t.HTTPStatus, &t.Start, &startMS, &durMS, &t.Release, &t.Environment, &t.UserKey); err != nil {
			return nil, fmt.Errorf("read slowest transactions: %w", err)
		}
		t.Start = t.Start.Add(time.Duration(startMS) * time.Millisecond).UTC()
		t.Duration = time.Duration(durMS * float64(time.Millisecond))
		out = append(out, t)
	}
	return out, rows.Err()
}

// SpanOp is what one span operation costs a transaction name: how often it
// runs and how much of the transactions' time it takes by itself.
type SpanOp struct {
	Op           string
	Count        uint64  // spans
	Transactions uint64  // transactions that have it
	SelfTotalMS  float64 // its self time summed over all of them
	AvgMS        float64 // average duration of one span
	P95MS        float64
}

// SpanOps returns the span operations that take a transaction name the most
// self time since a time, costliest first.
func (s *Store) SpanOps(ctx context.Context, projectID uint64, transaction string, since time.Time, limit int) ([]SpanOp, error) {
	rows, err := s.conn.Query(ctx, `SELECT op, count() AS spans, uniq(transaction_id), sum(self_time_ms) AS self_total,
			avg(duration_ms), toFloat64(quantileTDigest(0.95)(duration_ms))
		FROM spans WHERE project_id = ? AND transaction = ? AND start >= ?
		GROUP BY op ORDER BY self_total DESC, op LIMIT ?`, projectID, transaction, since.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("query span operations: %w", err)
	}
	defer rows.Close()
	var out []SpanOp
	for rows.Next() {
		var o SpanOp
		if err := rows.Scan(&o.Op, &o.Count, &o.Transactions, &o.SelfTotalMS, &o.AvgMS, &o.P95MS); err != nil {
			return nil, fmt.Errorf("read span operations: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// TransactionCounts counts each named transaction per step since a time,
// for sparklines: counts[name][i] is the bucket starting at since + i·step.
func (s *Store) TransactionCounts(ctx context.Context, projectID uint64, names []string, since time.Time, step time.Duration) (map[string][]uint64, error) {
	secs := int64(step / time.Second)
	if secs < 1 || len(names) == 0 {
		return map[string][]uint64{}, nil
	}
	set := setOf(names)
	start := since.Unix() / secs * secs
	n := int((time.Now().Unix()-start)/secs) + 1
	rows, err := s.conn.Query(ctx, `SELECT name, toInt64(intDiv(toUInt32(start), ?) * ?) AS bucket, count()
		FROM transactions WHERE project_id = ? AND name IN ? AND start >= ?
		GROUP BY name, bucket`, secs, secs, projectID, set, time.Unix(start, 0).UTC())
	if err != nil {
		return nil, fmt.Errorf("count transactions over time: %w", err)
	}
	defer rows.Close()
	out := map[string][]uint64{}
	for _, name := range names {
		out[name] = make([]uint64, n)
	}
	for rows.Next() {
		var name string
		var bucket int64
		var count uint64
		if err := rows.Scan(&name, &bucket, &count); err != nil {
			return nil, fmt.Errorf("read transaction counts: %w", err)
		}
		if i := int((bucket - start) / secs); i >= 0 && i < n && out[name] != nil {
			out[name][i] = count
		}
	}
	return out, rows.Err()
}
