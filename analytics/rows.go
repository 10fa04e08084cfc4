package analytics

import (
	"context"
	"time"
)

// Rows is everything one worker batch writes to ClickHouse.
type Rows struct {
	Events       []EventRow
	Transactions []TransactionRow
	// Spans holds span rows in runs, one per transaction or span item, so
	// that building a batch and merging batches copy a run's header rather
	// than its rows: 1,000 transactions of 50 spans are 10 MB of rows, and
	// appending them to one slice copied them about five times.
	Spans    [][]SpanRow
	Sessions []SessionRow
	CheckIns []CheckInRow
}

// Add appends other's rows.
func (r *Rows) Add(other Rows) {
	r.Events = append(r.Events, other.Events...)
	r.Transactions = append(r.Transactions, other.Transactions...)
	r.Spans = append(r.Spans, other.Spans...)
	r.Sessions = append(r.Sessions, other.Sessions...)
	r.CheckIns = append(r.CheckIns, other.CheckIns...)
}

// AddSpans appends a run of span rows, if it holds any.
func (r *Rows) AddSpans(run []SpanRow) {
	if len(run) > 0 {
		r.Spans = append(r.Spans, run)
	}
}

// SpanCount is how many span rows r holds.
func (r Rows) SpanCount() int { return spanCount(r.Spans) }

// spanCount is how many span rows runs hold.
func spanCount(runs [][]SpanRow) int {
	n := 0
	for _, run := range runs {
		n += len(run)
	}
	return n
}

// Len is how many rows there are, of every kind.
func (r Rows) Len() int {
	return len(r.Events) + len(r.Transactions) + r.SpanCount() + len(r.Sessions) + len(r.CheckIns)
}

// Insert writes every kind of row with one INSERT per table. Each table
// deduplicates replays, so retrying after a partial failure is harmless.
func (s *Store) Insert(ctx context.Context, r Rows) error {
	if err := s.InsertEvents(ctx, r.Events); err != nil {
		return err
	}
	if err := s.InsertTransactions(ctx, r.Transactions, r.Spans); err != nil {
		return err
	}
	if err := s.insertSessions(ctx, r.Sessions); err != nil {
		return err
	}
	return s.insertCheckIns(ctx, r.CheckIns)
}

// SessionRow is one release-health fact.
type SessionRow struct {
	ProjectID   uint64
	RecordID    string
	Started     time.Time
	Release     string
	Environment string
	Status      string
	Init        bool
	SessionID   string // "" for aggregates
	Seq         uint64 // orders a session's updates
	Errors      uint32
	Duration    time.Duration
	DistinctID  string
	Quantity    uint32
}

// CheckInRow is one cron check-in.
type CheckInRow struct {
	ProjectID     uint64
	RecordID      string
	CheckInID     string
	MonitorSlug   string
	Status        string
	Duration      time.Duration
	Environment   string
	Release       string
	Received      time.Time
	MonitorConfig string
}
