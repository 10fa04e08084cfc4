package analytics_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

// The scale benchmark's data: benchRows transactions and benchRows error
// events over the last 30 days, in their own database (faultline_bench) so
// they are loaded once and survive between runs. Project 1 holds half of
// each; the other half is spread over nine more projects.
const benchRows = 10_000_000

// BenchmarkAtScale answers the performance screens' queries over 10
// million transactions and 10 million error events, reporting p50 and p99
// latency per query (and rows/s for the CSV export). Loading the data takes
// a few minutes the first time:
//
//	go test -run '^$' -bench AtScale -benchtime 20x ./analytics/
func BenchmarkAtScale(b *testing.B) {
	s := openBenchStore(b)
	ctx := context.Background()
	loadBenchData(b, s)
	now := time.Now()
	project := []uint64{1}

	b.Run("TransactionSummary14d", func(b *testing.B) {
		timed(b, func() {
			rows, err := s.SummarizeTransactions(ctx, 1, analytics.SummaryQuery{Since: now.Add(-14 * 24 * time.Hour), Sort: "p95", Limit: 50})
			if err != nil || len(rows) != 50 {
				b.Fatalf("%d rows, %v", len(rows), err)
			}
		})
	})
	b.Run("EventsStats30d1h", func(b *testing.B) {
		timed(b, func() {
			series, err := s.SeriesOf(ctx, analytics.SeriesQuery{Dataset: "transactions", ProjectIDs: project,
				Since: now.Add(-30 * 24 * time.Hour).Truncate(time.Hour), Step: time.Hour, YAxis: []string{"count()", "p95()"}})
			if err != nil || len(series) != 2 {
				b.Fatalf("%d series, %v", len(series), err)
			}
		})
	})
	b.Run("EventsStatsTop10", func(b *testing.B) {
		timed(b, func() {
			series, err := s.SeriesOf(ctx, analytics.SeriesQuery{Dataset: "transactions", ProjectIDs: project,
				Since: now.Add(-14 * 24 * time.Hour).Truncate(time.Hour), Step: time.Hour, YAxis: []string{"count()"},
				GroupBy: "transaction", TopN: 10})
			if err != nil || len(series) != 10 {
				b.Fatalf("%d series, %v", len(series), err)
			}
		})
	})
	b.Run("ErrorsStats30d1h", func(b *testing.B) {
		timed(b, func() {
			series, err := s.SeriesOf(ctx, analytics.SeriesQuery{Dataset: "errors", ProjectIDs: project,
				Since: now.Add(-30 * 24 * time.Hour).Truncate(time.Hour), Step: time.Hour, YAxis: []string{"count()", "count_unique(user)"}})
			if err != nil || len(series) != 2 {
				b.Fatalf("%d series, %v", len(series), err)
			}
		})
	})
	b.Run("DiscoverByTag", func(b *testing.B) {
		timed(b, func() {
			n := 0
			err := s.Table(ctx, analytics.TableQuery{Dataset: "transactions", ProjectIDs: project, Since: now.Add(-14 * 24 * time.Hour),
				Fields: []string{"tags[browser]", "count()", "p95()", "failure_rate()"}, Sort: []string{"-count()"}, Limit: 50},
				func([]any) error { n++; return nil })
			if err != nil || n == 0 {
				b.Fatalf("%d rows, %v", n, err)
			}
		})
	})
	b.Run("DiscoverErrorsByTag", func(b *testing.B) {
		timed(b, func() {
			n := 0
			err := s.Table(ctx, analytics.TableQuery{Dataset: "errors", ProjectIDs: project, Since: now.Add(-14 * 24 * time.Hour),
				Fields: []string{"tags[browser]", "count()", "count_unique(user)"}, Sort: []string{"-count()"}, Limit: 50},
				func([]any) error { n++; return nil })
			if err != nil || n == 0 {
				b.Fatalf("%d rows, %v", n, err)
			}
		})
	})
	b.Run("CSVExport100k", func(b *testing.B) {
		rows := 0
		start := time.Now()
		timed(b, func() {
			err := s.Table(ctx, analytics.TableQuery{Dataset: "transactions", ProjectIDs: project, Since: now.Add(-14 * 24 * time.Hour),
				Fields: []string{"id", "transaction", "transaction.duration", "user", "timestamp"}, Limit: 100_000},
				func([]any) error { rows++; return nil })
			if err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
	})
}

// timed runs f b.N times and reports the p50 and p99 of its latency.
func timed(b *testing.B, f func()) {
	var took []time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		f()
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[(len(took)*99)/100].Microseconds())/1000, "p99-ms")
}

func openBenchStore(b *testing.B) *analytics.Store {
	u, err := url.Parse(analyticstest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := analytics.CreateDatabase(ctx, u.String(), "faultline_bench"); err != nil {
		b.Fatal(err)
	}
	u.Path = "/faultline_bench"
	s, err := analytics.Open(ctx, u.String(), slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return s
}

// loadBenchData fills the bench database with ClickHouse's own generator
// (numbers()), so loading is bound by ClickHouse, not by the client.
func loadBenchData(b *testing.B, s *analytics.Store) {
	ctx := context.Background()
	inserts := map[string]string{
		"transactions": fmt.Sprintf(`INSERT INTO transactions (project_id, event_id, trace_id, span_id, name, op, method, status,
			http_status, start, start_ms, duration_ms, platform, release, environment, user_key, tags.key, tags.value)
		SELECT if(number %% 2 = 0, 1, 2 + number %% 9) AS project_id,
			toFixedString(hex(MD5(toString(number))), 32), hex(MD5(toString(intDiv(number, 3)))), substring(hex(MD5(toString(number))), 1, 16),
			concat('GET /api/endpoint/', toString(intHash32(number) %% 200)), 'http.server', 'GET',
			if(intHash32(number + 1) %% 50 = 0, 'internal_error', 'ok'), if(intHash32(number + 1) %% 50 = 0, 500, 200),
			toDateTime(toUInt32(now()) - intHash32(number + 2) %% (30 * 86400)), toUInt16(number %% 1000),
			-log((intHash32(number + 3) %% 1000000 + 1) / 1000001) * (50 + intHash32(number) %% 200 * 5),
			'javascript', concat('r', toString(number %% 20)), if(number %% 5 = 0, 'staging', 'production'),
			concat('id:', toString(intHash32(number + 4) %% 100000)),
			['browser', 'region'], [concat('Chrome ', toString(100 + number %% 30)), concat('eu-', toString(number %% 4))]
		FROM numbers(%d)`, benchRows),
		"events": fmt.Sprintf(`INSERT INTO events (project_id, issue_id, event_id, timestamp, timestamp_ms, received, level,
			platform, environment, release, transaction, title, message, user_key, tags.key, tags.value, payload)
		SELECT if(number %% 2 = 0, 1, 2 + number %% 9), 1 + intHash32(number) %% 5000,
			toFixedString(hex(MD5(concat('e', toString(number)))), 32),
			toDateTime(toUInt32(now()) - intHash32(number + 2) %% (30 * 86400)) AS ts, toUInt16(number %% 1000), ts,
			if(number %% 10 = 0, 'warning', 'error'), 'python', concat('r', toString(number %% 20)),
			if(number %% 5 = 0, 'staging', 'production'), concat('GET /api/endpoint/', toString(intHash32(number) %% 200)),
			concat('ValueError: bad value ', toString(intHash32(number) %% 5000)), 'bad value',
			concat('id:', toString(intHash32(number + 4) %% 100000)),
			['browser', 'server_name'], [concat('Chrome ', toString(100 + number %% 30)), concat('web-', toString(number %% 8))],
			concat(hex(MD5(toString(number))), hex(SHA256(toString(number))), hex(SHA256(toString(number + 1))))
		FROM numbers(%d)`, benchRows),
	}
	for _, table := range []string{"transactions", "events"} {
		n, err := s.CountRows(ctx, table)
		if err != nil {
			b.Fatal(err)
		}
		if n >= benchRows {
			continue
		}
		b.Logf("loading %d rows into faultline_bench.%s", benchRows, table)
		start := time.Now()
		if err := s.Exec(ctx, "TRUNCATE TABLE "+table); err != nil {
			b.Fatal(err)
		}
		if err := s.Exec(ctx, inserts[table]); err != nil {
			b.Fatalf("load %s: %v", table, err)
		}
		b.Logf("loaded %s in %s", table, time.Since(start).Round(time.Second))
	}
}
