package analytics

import (
	"context"
	"fmt"
	"time"
)

// Outcome is a count of items of one category that met one fate in one
// minute, from one flush of one ingest process (BatchID).
type Outcome struct {
	ProjectID uint64
	Minute    time.Time
	Category  string // error, security, transaction, ...
	Outcome   string // accepted, rate_limited, invalid, filtered, client_discard
	Reason    string
	BatchID   string // 32 hex digits
	Quantity  uint64
}

// InsertOutcomes writes outcome rows; replaying a batch is harmless.
func (s *Store) InsertOutcomes(ctx context.Context, rows []Outcome) error {
	if len(rows) == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, `INSERT INTO outcomes (project_id, timestamp, category, outcome, reason, batch_id, quantity)`)
	if err != nil {
		return fmt.Errorf("insert outcomes: %w", err)
	}
	defer batch.Abort()
	for _, o := range rows {
		if err := batch.Append(o.ProjectID, o.Minute.UTC().Truncate(time.Minute), o.Category, o.Outcome, o.Reason, o.BatchID, o.Quantity); err != nil {
			return fmt.Errorf("insert outcomes: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d outcomes: %w", len(rows), err)
	}
	return nil
}

// OutcomeTotals sums a project's outcomes since a time, by category,
// outcome and reason ("category/outcome/reason" → quantity).
func (s *Store) OutcomeTotals(ctx context.Context, projectID uint64, since time.Time) (map[string]uint64, error) {
	rows, err := s.conn.Query(ctx, `SELECT category, outcome, reason, sum(quantity) FROM outcomes FINAL
		WHERE project_id = ? AND timestamp >= ?
		GROUP BY category, outcome, reason`, projectID, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("query outcomes: %w", err)
	}
	defer rows.Close()
	out := map[string]uint64{}
	for rows.Next() {
		var category, outcome, reason string
		var n uint64
		if err := rows.Scan(&category, &outcome, &reason, &n); err != nil {
			return nil, fmt.Errorf("read outcomes: %w", err)
		}
		out[category+"/"+outcome+"/"+reason] = n
	}
	return out, rows.Err()
}

// OutcomePoint is the quantity of one category and outcome in one bucket.
type OutcomePoint struct {
	Bucket   time.Time
	Category string
	Outcome  string
	Quantity uint64
}

// OutcomeSeries sums projects' outcomes per bucket of step since a time.
func (s *Store) OutcomeSeries(ctx context.Context, projectIDs []uint64, since time.Time, step time.Duration) ([]OutcomePoint, error) {
	secs := uint32(step / time.Second)
	if secs < 60 {
		return nil, fmt.Errorf("%w: intervals shorter than a minute", ErrBadQuery)
	}
	rows, err := s.conn.Query(ctx, `SELECT toUInt64(intDiv(toUInt32(timestamp), ?) * ?) AS bucket, category, outcome, sum(quantity)
		FROM outcomes FINAL WHERE project_id IN ? AND timestamp >= ?
		GROUP BY bucket, category, outcome ORDER BY bucket, category, outcome`, secs, secs, projectSet(projectIDs), since.UTC())
	if err != nil {
		return nil, fmt.Errorf("query outcomes: %w", err)
	}
	defer rows.Close()
	var out []OutcomePoint
	for rows.Next() {
		var p OutcomePoint
		var b uint64
		if err := rows.Scan(&b, &p.Category, &p.Outcome, &p.Quantity); err != nil {
			return nil, fmt.Errorf("read outcomes: %w", err)
		}
		p.Bucket = time.Unix(int64(b), 0).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// Usage is an organization's accepted items per category: this month, this
// hour, and the average hour of the week before.
type Usage struct {
	Month   map[string]uint64
	Hour    map[string]uint64
	HourAvg map[string]float64
}

// OrgUsage sums the accepted outcomes of an organization's projects.
func (s *Store) OrgUsage(ctx context.Context, projectIDs []uint64, now time.Time) (Usage, error) {
	u := Usage{Month: map[string]uint64{}, Hour: map[string]uint64{}, HourAvg: map[string]float64{}}
	now = now.UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	hour := now.Truncate(time.Hour)
	week := hour.Add(-7 * 24 * time.Hour)
	from := month
	if week.Before(from) {
		from = week
	}
	rows, err := s.conn.Query(ctx, `SELECT category, sumIf(quantity, timestamp >= ?), sumIf(quantity, timestamp >= ?),
			sumIf(quantity, timestamp >= ? AND timestamp < ?)
		FROM outcomes FINAL WHERE project_id IN ? AND outcome = 'accepted' AND timestamp >= ? GROUP BY category`,
		month, hour, week, hour, projectSet(projectIDs), from)
	if err != nil {
		return u, fmt.Errorf("query usage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var m, h, w uint64
		if err := rows.Scan(&c, &m, &h, &w); err != nil {
			return u, fmt.Errorf("read usage: %w", err)
		}
		u.Month[c], u.Hour[c], u.HourAvg[c] = m, h, float64(w)/(7*24)
	}
	return u, rows.Err()
}
