package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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

// InsertTransactions writes transactions and their spans, given in runs
// (see Rows.Spans), one INSERT each.
func (s *Store) InsertTransactions(ctx context.Context, txs []TransactionRow, spans [][]SpanRow) error {
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
		return s.insertSpans(ctx, spans)
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
	TPM         float64 // transactions per minute over the period
	P50, P75    float64 // milliseconds
	P95, P99    float64
	FailureRate float64 // share not ok, cancelled or unknown
	Apdex       float64 // (satisfied + tolerating/2) / count, for a threshold T
	UserMisery  uint64  // distinct users who waited more than 4T
	AvgMS       float64
}

// SummaryQuery selects and orders transaction summaries.
type SummaryQuery struct {
	Since       time.Time
	ApdexMillis float64 // T; 300 when zero
	Search      string  // part of the transaction name
	Name        string  // exactly this transaction name
	Sort        string  // count (default), tpm, p50, p75, p95, p99, failure_rate, apdex, user_misery; "-" prefix for ascending
	Limit       int
	Offset      int
}

var summarySorts = map[string]string{
	"count": "count", "tpm": "count", "p50": "p50", "p75": "p75", "p95": "p95", "p99": "p99",
	"failure_rate": "failure_rate", "apdex": "apdex", "user_misery": "user_misery",
}

// TransactionSummaries returns per-name figures of a project's transactions.
func (s *Store) TransactionSummaries(ctx context.Context, projectID uint64, since time.Time) ([]TransactionSummary, error) {
	return s.SummarizeTransactions(ctx, projectID, SummaryQuery{Since: since, Limit: 1000})
}

// SummarizeTransactions returns per-name figures of a project's
// transactions, sorted and paged as q says.
func (s *Store) SummarizeTransactions(ctx context.Context, projectID uint64, q SummaryQuery) ([]TransactionSummary, error) {
	t := q.ApdexMillis
	if t <= 0 {
		t = 300
	}
	sortKey, desc := strings.TrimPrefix(q.Sort, "-"), !strings.HasPrefix(q.Sort, "-")
	if sortKey == "" {
		sortKey = "count"
	}
	col, ok := summarySorts[sortKey]
	if !ok {
		return nil, fmt.Errorf("%w: sort by %q", ErrBadQuery, q.Sort)
	}
	order := col + " ASC"
	if desc {
		order = col + " DESC"
	}
	where, args := "project_id = ? AND start >= ?", []any{t, t, t, t, projectID, q.Since.UTC()}
	if q.Search != "" {
		where += " AND positionCaseInsensitive(name, ?) > 0"
		args = append(args, q.Search)
	}
	if q.Name != "" {
		where += " AND name = ?"
		args = append(args, q.Name)
	}
	args = append(args, q.Offset, q.Limit)
	rows, err := s.conn.Query(ctx, `SELECT name, count() AS count,
			quantilesTDigest(0.5, 0.75, 0.95, 0.99)(duration_ms) AS qs,
			toFloat64(qs[1]) AS p50, toFloat64(qs[2]) AS p75, toFloat64(qs[3]) AS p95, toFloat64(qs[4]) AS p99,
			toFloat64(countIf(status NOT IN ('ok', 'cancelled', 'unknown')) / count()) AS failure_rate,
			toFloat64((countIf(duration_ms <= ?) + countIf(duration_ms > ? AND duration_ms <= 4 * ?) / 2) / count()) AS apdex,
			toUInt64(uniqCombinedIf(user_key, duration_ms > 4 * ? AND user_key != '')) AS user_misery, avg(duration_ms)
		FROM transactions WHERE `+where+`
		GROUP BY name ORDER BY `+order+`, name LIMIT ?, ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("query transaction summaries: %w", err)
	}
	defer rows.Close()
	minutes := time.Since(q.Since).Minutes()
	var out []TransactionSummary
	for rows.Next() {
		var r TransactionSummary
		var qs []float32
		if err := rows.Scan(&r.Name, &r.Count, &qs, &r.P50, &r.P75, &r.P95, &r.P99, &r.FailureRate, &r.Apdex, &r.UserMisery, &r.AvgMS); err != nil {
			return nil, fmt.Errorf("read transaction summaries: %w", err)
		}
		r.TPM = float64(r.Count) / max(minutes, 1)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ErrBadQuery is a query Faultline cannot run as asked.
var ErrBadQuery = errors.New("bad query")

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

// Waterfall is one transaction with its spans, oldest first.
type Waterfall struct {
	Transaction TransactionRow
	Spans       []SpanRow
}

// TransactionWaterfall returns a project's transaction by event id (or the
// first transaction of a trace, by trace id) with its spans, or ErrNoEvent.
func (s *Store) TransactionWaterfall(ctx context.Context, projectID uint64, eventID string) (Waterfall, error) {
	var w Waterfall
	var ms uint16
	var durMS float64
	// An event id, or else a trace id: the trace's first transaction.
	err := s.conn.QueryRow(ctx, `SELECT event_id, trace_id, span_id, name, op, status, start, start_ms, duration_ms
		FROM transactions WHERE project_id = ? AND (event_id = ? OR trace_id = ?)
		ORDER BY event_id = ? DESC, start, start_ms LIMIT 1`, projectID, eventID, eventID, eventID).
		Scan(&w.Transaction.EventID, &w.Transaction.TraceID, &w.Transaction.SpanID, &w.Transaction.Name, &w.Transaction.Op,
			&w.Transaction.Status, &w.Transaction.Start, &ms, &durMS)
	if errors.Is(err, sql.ErrNoRows) {
		return w, ErrNoEvent
	}
	eventID = w.Transaction.EventID
	if err != nil {
		return w, fmt.Errorf("query transaction: %w", err)
	}
	w.Transaction.Start = w.Transaction.Start.Add(time.Duration(ms) * time.Millisecond).UTC()
	w.Transaction.Duration = time.Duration(durMS * float64(time.Millisecond))
	rows, err := s.conn.Query(ctx, `SELECT span_id, parent_span_id, op, description, status, start, start_ms, duration_ms, self_time_ms
		FROM spans WHERE project_id = ? AND transaction_id = ?
		ORDER BY start, start_ms, span_id LIMIT 1 BY span_id`, projectID, eventID)
	if err != nil {
		return w, fmt.Errorf("query spans: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sp SpanRow
		var sms uint16
		var d, self float64
		if err := rows.Scan(&sp.SpanID, &sp.ParentSpanID, &sp.Op, &sp.Description, &sp.Status, &sp.Start, &sms, &d, &self); err != nil {
			return w, fmt.Errorf("read spans: %w", err)
		}
		sp.Start = sp.Start.Add(time.Duration(sms) * time.Millisecond).UTC()
		sp.Duration, sp.SelfTime = time.Duration(d*float64(time.Millisecond)), time.Duration(self*float64(time.Millisecond))
		w.Spans = append(w.Spans, sp)
	}
	return w, rows.Err()
}
