package analytics

import (
	"context"
	"fmt"
	"time"
)

// IssuesCountSeries counts each issue's events in buckets of step since a
// time, for a page of issues of some projects, in one query. Every issue
// asked about gets every bucket, empty ones counting 0.
func (s *Store) IssuesCountSeries(ctx context.Context, projectIDs, issueIDs []uint64, since time.Time, step time.Duration) (map[uint64][]Bucket, error) {
	secs := uint32(step / time.Second)
	if secs == 0 {
		return nil, fmt.Errorf("step %s is shorter than a second", step)
	}
	start := since.Unix() / int64(secs) * int64(secs)
	out := make(map[uint64][]Bucket, len(issueIDs))
	if len(issueIDs) == 0 {
		return out, nil
	}
	counts := map[uint64]map[int64]uint64{}
	rows, err := s.conn.Query(ctx, `SELECT issue_id, toUInt64(intDiv(toUInt32(timestamp), ?) * ?) AS bucket, count()
		FROM events WHERE has(?, project_id) AND has(?, issue_id) AND timestamp >= ?
		GROUP BY issue_id, bucket`, secs, secs, projectIDs, issueIDs, time.Unix(start, 0).UTC())
	if err != nil {
		return nil, fmt.Errorf("count issue series: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, b, n uint64
		if err := rows.Scan(&id, &b, &n); err != nil {
			return nil, fmt.Errorf("count issue series: %w", err)
		}
		if counts[id] == nil {
			counts[id] = map[int64]uint64{}
		}
		counts[id][int64(b)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count issue series: %w", err)
	}
	now := time.Now().Unix()
	for _, id := range issueIDs {
		var series []Bucket
		for t := start; t <= now; t += int64(secs) {
			series = append(series, Bucket{Start: time.Unix(t, 0).UTC(), Count: counts[id][t]})
		}
		out[id] = series
	}
	return out, nil
}
