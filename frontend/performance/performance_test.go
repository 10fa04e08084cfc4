package performance_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/performance"
	"github.com/faultline/faultline/frontend/performance/performancetest"
)

var now = time.Date(2026, 11, 22, 12, 30, 0, 0, time.UTC)

func TestList(t *testing.T) {
	store := &performancetest.Store{
		Summaries: []analytics.TransactionSummary{{Name: "GET /a", Count: 3}, {Name: "GET /b", Count: 1}},
		Counts:    map[string][]uint64{"GET /a": {1, 2}},
	}
	got, err := performance.New(store).List(context.Background(), performance.ListQuery{
		Project: performance.Project{ID: 1, ApdexMillis: 500}, Period: 24 * time.Hour, Now: now, Sort: "-p95", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "GET /a" || len(got[0].Sparkline) != 2 || len(got[1].Sparkline) != 0 {
		t.Fatalf("List = %+v", got)
	}
	// 24 hourly buckets from the hour the period starts in.
	start := now.Add(-24 * time.Hour).Truncate(time.Hour)
	if p := got[0].Sparkline[1]; !p.Start.Equal(start.Add(time.Hour)) || p.Count != 2 {
		t.Errorf("second point %+v, want 2 at %v", p, start.Add(time.Hour))
	}
	q := store.Queries[0]
	if q.Sort != "p95" || q.ApdexMillis != 500 || !q.Since.Equal(now.Add(-24*time.Hour)) {
		t.Errorf("asked %+v: want sort p95 (descending), T 500 ms, since a day ago", q)
	}
	// Short periods still have buckets of at least a minute.
	if _, err := performance.New(store).List(context.Background(), performance.ListQuery{Period: 10 * time.Minute, Now: now, Limit: 1}); err != nil {
		t.Fatal(err)
	}
	if step := store.Steps[1]; step != time.Minute {
		t.Errorf("a 10-minute period's buckets are %v, want 1m", step)
	}
}

func TestSummarize(t *testing.T) {
	store := &performancetest.Store{
		Summaries: []analytics.TransactionSummary{{Name: "GET /a", Count: 4, AvgMS: 100}},
		Ops:       []analytics.SpanOp{{Op: "db", SelfTotalMS: 100}, {Op: "http", SelfTotalMS: 900}},
	}
	s, err := performance.New(store).Summarize(context.Background(), performance.Project{ID: 1}, "GET /a", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	// The transactions took 400 ms in all: db a quarter, http (overlapping
	// spans) capped at the whole.
	if len(s.SpanOps) != 2 || s.SpanOps[0].Share != 0.25 || s.SpanOps[1].Share != 1 {
		t.Errorf("span op shares %+v, want 0.25 and 1", s.SpanOps)
	}
}

func TestPerformanceErrors(t *testing.T) {
	ctx := context.Background()
	svc := func(fail map[string]error) *performance.Service {
		return performance.New(&performancetest.Store{Summaries: []analytics.TransactionSummary{{Name: "GET /a", Count: 1}}, Fail: fail})
	}
	var bad *performance.InvalidError
	if _, err := svc(nil).List(ctx, performance.ListQuery{Sort: "speed", Now: now, Period: time.Hour, Limit: 5}); !errors.As(err, &bad) {
		t.Errorf("an unknown sort: %v, want an InvalidError", err)
	}
	if _, err := svc(nil).Summarize(ctx, performance.Project{}, "  ", time.Hour, now); !errors.As(err, &bad) {
		t.Errorf("no name: %v, want an InvalidError", err)
	}
	var missing *performance.NotFoundError
	if _, err := svc(nil).Summarize(ctx, performance.Project{}, "GET /b", time.Hour, now); !errors.As(err, &missing) {
		t.Errorf("an unknown name: %v, want a NotFoundError", err)
	}
	if _, err := svc(nil).Waterfall(ctx, 1, "abc"); !errors.As(err, &missing) {
		t.Errorf("an unknown transaction: %v, want a NotFoundError", err)
	}
	down := analytics.ErrUnavailable
	for name, call := range map[string]func() error{
		"list": func() error {
			_, err := svc(map[string]error{"SummarizeTransactions": down}).List(ctx, performance.ListQuery{Limit: 1})
			return err
		},
		"sparklines": func() error {
			_, err := svc(map[string]error{"TransactionCounts": down}).List(ctx, performance.ListQuery{Limit: 1})
			return err
		},
		"summary": func() error {
			_, err := svc(map[string]error{"SummarizeTransactions": down}).Summarize(ctx, performance.Project{}, "GET /a", time.Hour, now)
			return err
		},
		"slowest": func() error {
			_, err := svc(map[string]error{"SlowestTransactions": down}).Summarize(ctx, performance.Project{}, "GET /a", time.Hour, now)
			return err
		},
		"span ops": func() error {
			_, err := svc(map[string]error{"SpanOps": down}).Summarize(ctx, performance.Project{}, "GET /a", time.Hour, now)
			return err
		},
		"waterfall": func() error {
			_, err := svc(map[string]error{"TransactionWaterfall": down}).Waterfall(ctx, 1, "abc")
			return err
		},
	} {
		if err := call(); !errors.Is(err, down) {
			t.Errorf("%s with ClickHouse down: %v", name, err)
		}
	}
}
