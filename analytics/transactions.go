package analytics

import (
	"context"
	"fmt"
	"time"
)

// TransactionRow is one transaction as stored in ClickHouse.
type TransactionRow struct {
	ProjectID    uint64
	EventID      string
	TraceID      string
	SpanID       string
	Name         string
	Op           string
	Method       string
	Status       string
	HTTPStatus   uint16
	Start        time.Time
	Duration     time.Duration
	Platform     string
	Release      string
	Environment  string
	UserKey      string
	TagKeys      []string
	TagValues    []string
	MeasureNames []string
	MeasureVals  []float64
}

// SpanRow is one span of a transaction.
type SpanRow struct {
	ProjectID     uint64
	TransactionID string
	TraceID       string
	SpanID        string
	ParentSpanID  string
	Transaction   string
	Op            string
	Description   string
	Status        string
	Start         time.Time
	Duration      time.Duration
	SelfTime      time.Duration
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// InsertTransactions writes transactions and their spans, one INSERT each.
func (s *Store) InsertTransactions(ctx context.Context, txs []TransactionRow, spans []SpanRow) error {
	if len(txs) > 0 {
		batch, err := s.conn.PrepareBatch(ctx, `INSERT INTO transactions (project_id, event_id, trace_id, span_id, name,
			op, method, status, http_status, start, start_ms, duration_ms, platform, release, environment, user_key,
			tags.key, tags.value, measurements.name, measurements.value)`)
		if err != nil {
			return fmt.Errorf("insert transactions: %w", err)
		}
		defer batch.Abort()
		for _, t := range txs {
			err := batch.Append(t.ProjectID, t.EventID, t.TraceID, t.SpanID, t.Name, t.Op, t.Method, t.Status, t.HTTPStatus,
				t.Start.UTC(), uint16(t.Start.Nanosecond()/1e6), ms(t.Duration), t.Platform, t.Release, t.Environment,
				t.UserKey, nonNil(t.TagKeys), nonNil(t.TagValues), nonNil(t.MeasureNames), nonNilF(t.MeasureVals))
			if err != nil {
				return fmt.Errorf("insert transactions: %w", err)
			}
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("insert %d transactions: %w", len(txs), err)
		}
	}
	if len(spans) > 0 {
		batch, err := s.conn.PrepareBatch(ctx, `INSERT INTO spans (project_id, transaction_id, trace_id, span_id,
			parent_span_id, transaction, op, description, status, start, start_ms, duration_ms, self_time_ms)`)
		if err != nil {
			return fmt.Errorf("insert spans: %w", err)
		}
		defer batch.Abort()
		for _, s := range spans {
			err := batch.Append(s.ProjectID, s.TransactionID, s.TraceID, s.SpanID, s.ParentSpanID, s.Transaction, s.Op,
				s.Description, s.Status, s.Start.UTC(), uint16(s.Start.Nanosecond()/1e6), ms(s.Duration), ms(s.SelfTime))
			if err != nil {
				return fmt.Errorf("insert spans: %w", err)
			}
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("insert %d spans: %w", len(spans), err)
		}
	}
	return nil
}

func nonNilF(s []float64) []float64 {
	if s == nil {
		return []float64{}
	}
	return s
}

// TransactionSummary is one transaction name's figures over a period.
type TransactionSummary struct {
	Name        string
	Count       uint64
	P50, P95    float64 // milliseconds
	FailureRate float64
	SpanCount   uint64
}

// TransactionSummaries returns per-name counts and duration percentiles of a
// project's transactions since a time, busiest first.
func (s *Store) TransactionSummaries(ctx context.Context, projectID uint64, since time.Time) ([]TransactionSummary, error) {
	rows, err := s.conn.Query(ctx, `SELECT name, count(), quantilesTDigest(0.5, 0.95)(duration_ms),
			countIf(status NOT IN ('ok', 'cancelled', 'unknown')) / count()
		FROM (SELECT name, duration_ms, status FROM transactions WHERE project_id = ? AND start >= ? LIMIT 1 BY event_id)
		GROUP BY name ORDER BY count() DESC, name`, projectID, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("query transaction summaries: %w", err)
	}
	defer rows.Close()
	var out []TransactionSummary
	for rows.Next() {
		var t TransactionSummary
		var q []float64
		if err := rows.Scan(&t.Name, &t.Count, &q, &t.FailureRate); err != nil {
			return nil, fmt.Errorf("read transaction summaries: %w", err)
		}
		t.P50, t.P95 = q[0], q[1]
		out = append(out, t)
	}
	return out, rows.Err()
}

// SpanCount returns how many distinct spans a project has stored since a time.
func (s *Store) SpanCount(ctx context.Context, projectID uint64, since time.Time) (uint64, error) {
	var n uint64
	err := s.conn.QueryRow(ctx, `SELECT uniqExact(transaction_id, span_id) FROM spans WHERE project_id = ? AND start >= ?`,
		projectID, since.UTC()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count spans: %w", err)
	}
	return n, nil
}
