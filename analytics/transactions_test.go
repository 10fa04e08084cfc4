package analytics_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

// uniqueProject gives each test run its own project id in the shared test
// database.
func uniqueProject() uint64 { return uint64(time.Now().UnixNano()) }

// TestTransactionFiguresOnKnownData stores 10,000 transactions lasting 1 ms
// to 10,000 ms (so the true p50 is 5,000 ms and p95 9,500 ms), every tenth
// failing, and checks counts, rates and Apdex exactly and the percentiles
// within the t-digest's error.
func TestTransactionFiguresOnKnownData(t *testing.T) {
	s := analyticstest.Open(t)
	ctx := context.Background()
	project := uniqueProject()
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	var txs []analytics.TransactionRow
	var spans []analytics.SpanRow
	for i := 1; i <= 10_000; i++ {
		status := "ok"
		if i%10 == 0 {
			status = "internal_error"
		}
		id := fmt.Sprintf("%032x", i)
		txs = append(txs, analytics.TransactionRow{ProjectID: project, EventID: id, TraceID: id, Name: "GET /known",
			Status: status, Start: start.Add(time.Duration(i) * time.Millisecond), Duration: time.Duration(i) * time.Millisecond,
			UserKey: "id:" + strconv.Itoa(i%100), TagKeys: []string{"browser"}, TagValues: []string{"Chrome " + strconv.Itoa(i%3)}})
		// Every transaction has one db span of a tenth of its time.
		spans = append(spans, analytics.SpanRow{ProjectID: project, TransactionID: id, TraceID: id, SpanID: fmt.Sprintf("%016x", i),
			Transaction: "GET /known", Op: "db", Start: start, Duration: time.Duration(i) * 100 * time.Microsecond,
			SelfTime: time.Duration(i) * 100 * time.Microsecond})
	}
	// Another name, and a replay of the first 100 that must not count twice.
	txs = append(txs, analytics.TransactionRow{ProjectID: project, EventID: fmt.Sprintf("%032x", 20_000), Name: "GET /other",
		Status: "ok", Start: start, Duration: time.Millisecond})
	if err := s.Insert(ctx, analytics.Rows{Transactions: txs, Spans: [][]analytics.SpanRow{spans}}); err != nil {
		t.Fatal(err)
	}
	// A worker replaying a batch asks which rows are stored already.
	replay := analytics.Rows{Transactions: slices.Clone(txs[:100]), Spans: [][]analytics.SpanRow{slices.Clone(spans[:50])}}
	replay.Transactions = append(replay.Transactions, analytics.TransactionRow{ProjectID: project, EventID: fmt.Sprintf("%032x", 30_000),
		Name: "GET /new", Status: "ok", Start: start, Duration: time.Millisecond})
	left, dropped, err := s.DropStored(ctx, replay)
	if err != nil {
		t.Fatal(err)
	}
	if dropped != 150 || len(left.Transactions) != 1 || left.Transactions[0].Name != "GET /new" || len(left.Spans) != 0 {
		t.Fatalf("DropStored dropped %d, left %+v", dropped, left)
	}
	since := start.Add(-time.Minute)

	got, err := s.SummarizeTransactions(ctx, project, analytics.SummaryQuery{Since: since, ApdexMillis: 1000, Name: "GET /known", Limit: 10})
	if err != nil || len(got) != 1 {
		t.Fatalf("summary: %+v, %v", got, err)
	}
	sum := got[0]
	near := func(name string, got, want, tolerance float64) {
		t.Helper()
		if math.Abs(got-want) > tolerance {
			t.Errorf("%s = %v, want %v ± %v", name, got, want, tolerance)
		}
	}
	if sum.Count != 10_000 {
		t.Errorf("count = %d, want 10000 (a replay counted twice?)", sum.Count)
	}
	near("p50", sum.P50, 5000, 100)
	near("p75", sum.P75, 7500, 100)
	near("p95", sum.P95, 9500, 100)
	near("p99", sum.P99, 9900, 100)
	near("failure rate", sum.FailureRate, 0.1, 1e-9)
	// T = 1000 ms: 1000 satisfied, 3000 tolerating (1001–4000 ms).
	near("apdex", sum.Apdex, (1000+3000.0/2)/10_000, 1e-9)
	near("average", sum.AvgMS, 5000.5, 1e-6)
	if sum.UserMisery != 100 { // users 0–99 all waited over 4 s at least once
		t.Errorf("user misery = %d, want 100", sum.UserMisery)
	}

	slowest, err := s.SlowestTransactions(ctx, project, "GET /known", since, 3)
	if err != nil || len(slowest) != 3 {
		t.Fatalf("slowest: %+v, %v", slowest, err)
	}
	for i, want := range []time.Duration{10_000, 9_999, 9_998} {
		if slowest[i].Duration != want*time.Millisecond {
			t.Errorf("slowest[%d] lasted %v, want %v", i, slowest[i].Duration, want*time.Millisecond)
		}
	}
	ops, err := s.SpanOps(ctx, project, "GET /known", since, 5)
	if err != nil || len(ops) != 1 {
		t.Fatalf("span ops: %+v, %v", ops, err)
	}
	if ops[0].Op != "db" || ops[0].Count != 10_000 || ops[0].Transactions != 10_000 {
		t.Errorf("db spans: %+v", ops[0])
	}
	near("db self time", ops[0].SelfTotalMS, 0.1*10_000*10_001/2, 1e-3)

	series, err := s.SeriesOf(ctx, analytics.SeriesQuery{Dataset: "transactions", ProjectIDs: []uint64{project},
		Since: since.Truncate(time.Hour), Step: time.Hour, YAxis: []string{"count()", "failure_rate()"},
		Filters: []analytics.EventTerm{{Key: "transaction", Value: "GET /known"}}})
	if err != nil || len(series) != 2 {
		t.Fatalf("series: %+v, %v", series, err)
	}
	total, peakRate := 0.0, 0.0
	for i, v := range series[0].Values {
		total += v
		peakRate = max(peakRate, series[1].Values[i])
	}
	if total != 10_000 || peakRate < 0.09 || peakRate > 0.11 {
		t.Errorf("series: count %v, failure rate peak %v", total, peakRate)
	}

	rows := map[string][]any{}
	err = s.Table(ctx, analytics.TableQuery{Dataset: "transactions", ProjectIDs: []uint64{project}, Since: since,
		Fields: []string{"tags[browser]", "count()"}, Sort: []string{"tags[browser]"}, Limit: 10},
		func(v []any) error { rows[v[0].(string)] = v; return nil })
	if err != nil {
		t.Fatal(err)
	}
	// i%3 over 1…10000: 3333 zeros, 3334 ones, 3333 twos; GET /other has no tag.
	want := map[string]int64{"Chrome 0": 3333, "Chrome 1": 3334, "Chrome 2": 3333, "": 1}
	for k, n := range want {
		if len(rows[k]) != 2 || rows[k][1] != n {
			t.Errorf("tags[browser] = %q: %v, want count %d", k, rows[k], n)
		}
	}
	if _, err := s.PrepareTable(analytics.TableQuery{Dataset: "transactions", Fields: []string{"tags[a b]"}}); err == nil {
		t.Error("a tag key with a space was accepted")
	}
}
