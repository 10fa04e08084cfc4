package performance

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
)

// Store reads transactions and spans; *analytics.Store is one.
type Store interface {
	SummarizeTransactions(ctx context.Context, projectID uint64, q analytics.SummaryQuery) ([]analytics.TransactionSummary, error)
	TransactionCounts(ctx context.Context, projectID uint64, names []string, since time.Time, step time.Duration) (map[string][]uint64, error)
	SlowestTransactions(ctx context.Context, projectID uint64, name string, since time.Time, limit int) ([]analytics.TransactionRow, error)
	SpanOps(ctx context.Context, projectID uint64, transaction string, since time.Time, limit int) ([]analytics.SpanOp, error)
	TransactionWaterfall(ctx context.Context, projectID uint64, eventID string) (analytics.Waterfall, error)
}

// Service answers the performance views.
type Service struct{ store Store }

// New returns a Service over store.
func New(store Store) *Service { return &Service{store: store} }

// Project is the project a view covers.
type Project struct {
	ID          int64
	ApdexMillis float64 // its Apdex threshold T
}

// ListQuery selects transaction names of a project over a period.
type ListQuery struct {
	Project       Project
	Period        time.Duration
	Now           time.Time
	Search        string // part of the name
	Sort          string // Sentry's: count, tpm, p50 … user_misery; "-" for descending
	Limit, Offset int
}

// Point is one bucket of a series.
type Point struct {
	Start time.Time
	Count uint64
}

// Listed is one transaction name's figures and its counts over the period
// (sparklinePoints buckets).
type Listed struct {
	analytics.TransactionSummary
	Sparkline []Point
}

// sparklinePoints is how many buckets a listed transaction's sparkline has.
const sparklinePoints = 24

// List answers per-name summaries with a sparkline each, the sparklines
// of a page from one query.
func (s *Service) List(ctx context.Context, q ListQuery) ([]Listed, error) {
	rows, err := s.store.SummarizeTransactions(ctx, uint64(q.Project.ID), analytics.SummaryQuery{
		Since: q.Now.Add(-q.Period), ApdexMillis: q.Project.ApdexMillis, Search: q.Search,
		Sort: storeSort(q.Sort), Limit: q.Limit, Offset: q.Offset,
	})
	if errors.Is(err, analytics.ErrBadQuery) {
		return nil, &InvalidError{Msg: "sort: use count, tpm, p50, p75, p95, p99, failure_rate, apdex or user_misery, with - for descending"}
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r.Name
	}
	step := max(q.Period/sparklinePoints, time.Minute)
	since := q.Now.Add(-q.Period).Truncate(step)
	counts, err := s.store.TransactionCounts(ctx, uint64(q.Project.ID), names, since, step)
	if err != nil {
		return nil, err
	}
	out := make([]Listed, len(rows))
	for i, r := range rows {
		spark := make([]Point, len(counts[r.Name]))
		for j, n := range counts[r.Name] {
			spark[j] = Point{Start: since.Add(time.Duration(j) * step), Count: n}
		}
		out[i] = Listed{TransactionSummary: r, Sparkline: spark}
	}
	return out, nil
}

// storeSort turns Sentry's sort (-p95 = descending) into the store's
// (p95 = descending, -p95 = ascending).
func storeSort(s string) string {
	if len(s) > 0 && s[0] == '-' {
		return s[1:]
	}
	return "-" + s
}

// OpShare is a span operation's figures within one transaction name, with
// its share of the transactions' whole time.
type OpShare struct {
	analytics.SpanOp
	Share float64 // 0 to 1
}

// Summary is one transaction name over a period: its figures, slowest
// samples and the span operations that take it the most time.
type Summary struct {
	analytics.TransactionSummary
	Slowest []analytics.TransactionRow
	SpanOps []OpShare
}

// detailRows is how many slow samples and span operations a summary has.
const detailRows = 10

// Summarize answers one transaction name over period.
func (s *Service) Summarize(ctx context.Context, p Project, name string, period time.Duration, now time.Time) (Summary, error) {
	if strings.TrimSpace(name) == "" {
		return Summary{}, &InvalidError{Msg: "transaction: name the transaction, e.g. ?transaction=GET%20/users"}
	}
	since := now.Add(-period)
	summaries, err := s.store.SummarizeTransactions(ctx, uint64(p.ID), analytics.SummaryQuery{
		Since: since, ApdexMillis: p.ApdexMillis, Name: name, Limit: 1})
	if err != nil {
		return Summary{}, err
	}
	if len(summaries) == 0 {
		return Summary{}, &NotFoundError{Msg: "no transaction named " + name + " in this period"}
	}
	out := Summary{TransactionSummary: summaries[0]}
	if out.Slowest, err = s.store.SlowestTransactions(ctx, uint64(p.ID), name, since, detailRows); err != nil {
		return Summary{}, err
	}
	ops, err := s.store.SpanOps(ctx, uint64(p.ID), name, since, detailRows)
	if err != nil {
		return Summary{}, err
	}
	// The transactions' whole time is the sum of their durations; a span
	// op's share of it says where the time goes.
	total := out.AvgMS * float64(out.Count)
	out.SpanOps = make([]OpShare, len(ops))
	for i, o := range ops {
		out.SpanOps[i] = OpShare{SpanOp: o}
		if total > 0 {
			out.SpanOps[i].Share = min(o.SelfTotalMS/total, 1)
		}
	}
	return out, nil
}

// Waterfall answers one transaction with its spans; eventID is normalized.
func (s *Service) Waterfall(ctx context.Context, projectID int64, eventID string) (analytics.Waterfall, error) {
	w, err := s.store.TransactionWaterfall(ctx, uint64(projectID), eventID)
	if errors.Is(err, analytics.ErrNoEvent) {
		return w, &NotFoundError{Msg: "transaction not found"}
	}
	return w, err
}
