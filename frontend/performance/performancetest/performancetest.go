// Package performancetest is an in-memory stand-in for the ClickHouse
// reads of the performance service, for tests that need no database.
package performancetest

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/faultline/faultline/analytics"
)

// Store answers from its fields and records what it was asked. A method
// named in Fail fails with that error.
type Store struct {
	Summaries  []analytics.TransactionSummary
	Counts     map[string][]uint64 // per name, the sparkline's buckets
	Slowest    []analytics.TransactionRow
	Ops        []analytics.SpanOp
	Waterfalls map[string]analytics.Waterfall // by event id
	Fail       map[string]error

	Queries []analytics.SummaryQuery
	Steps   []time.Duration // of TransactionCounts
}

// SummarizeTransactions answers Summaries, those of q.Name when it is set,
// paged; a sort other than the store's is analytics.ErrBadQuery.
func (s *Store) SummarizeTransactions(_ context.Context, _ uint64, q analytics.SummaryQuery) ([]analytics.TransactionSummary, error) {
	s.Queries = append(s.Queries, q)
	if err := s.Fail["SummarizeTransactions"]; err != nil {
		return nil, err
	}
	sorts := []string{"", "count", "tpm", "p50", "p75", "p95", "p99", "failure_rate", "apdex", "user_misery"}
	if !slices.Contains(sorts, q.Sort) && !slices.Contains(sorts, q.Sort[1:]) {
		return nil, errors.Join(analytics.ErrBadQuery, errors.New("sort "+q.Sort))
	}
	var out []analytics.TransactionSummary
	for _, t := range s.Summaries {
		if q.Name == "" || t.Name == q.Name {
			out = append(out, t)
		}
	}
	out = out[min(q.Offset, len(out)):]
	return out[:min(q.Limit, len(out))], nil
}

// TransactionCounts answers Counts for the names.
func (s *Store) TransactionCounts(_ context.Context, _ uint64, names []string, _ time.Time, step time.Duration) (map[string][]uint64, error) {
	s.Steps = append(s.Steps, step)
	if err := s.Fail["TransactionCounts"]; err != nil {
		return nil, err
	}
	out := map[string][]uint64{}
	for _, n := range names {
		out[n] = s.Counts[n]
	}
	return out, nil
}

// SlowestTransactions answers Slowest.
func (s *Store) SlowestTransactions(context.Context, uint64, string, time.Time, int) ([]analytics.TransactionRow, error) {
	return s.Slowest, s.Fail["SlowestTransactions"]
}

// SpanOps answers Ops.
func (s *Store) SpanOps(context.Context, uint64, string, time.Time, int) ([]analytics.SpanOp, error) {
	return s.Ops, s.Fail["SpanOps"]
}

// TransactionWaterfall answers a Waterfall, or analytics.ErrNoEvent.
func (s *Store) TransactionWaterfall(_ context.Context, _ uint64, eventID string) (analytics.Waterfall, error) {
	if err := s.Fail["TransactionWaterfall"]; err != nil {
		return analytics.Waterfall{}, err
	}
	w, ok := s.Waterfalls[eventID]
	if !ok {
		return w, analytics.ErrNoEvent
	}
	return w, nil
}
