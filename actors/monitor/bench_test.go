package monitor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// countingChecks counts the checks stored, and stores them.
type countingChecks struct {
	CheckStore
	n, up atomic.Int64
}

func (c *countingChecks) InsertMonitorChecks(ctx context.Context, checks []analytics.MonitorCheck) error {
	c.n.Add(int64(len(checks)))
	for _, ch := range checks {
		if ch.Up {
			c.up.Add(1)
		}
	}
	return c.CheckStore.InsertMonitorChecks(ctx, checks)
}

// BenchmarkMonitorCapacity runs FAULTLINE_BENCH_MONITORS (default 5000)
// HTTP monitors at a 30 s interval against a local server for 90 s in one
// runner, and reports the checks per second achieved against the checks
// per second due, and the heap per monitor:
//
//	go test -run '^$' -bench MonitorCapacity -benchtime 1x ./actors/monitor/
func BenchmarkMonitorCapacity(b *testing.B) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("FAULTLINE_BENCH_MONITORS")); err == nil && v > 0 {
		n = v
	}
	window := 90 * time.Second
	db := metadatatest.OpenDatabase(b, "faultline_bench_monitors")
	store := analyticstest.OpenDatabase(b, "faultline_bench_monitors")
	org := metadatatest.Project(b, db, "bench-secret")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer srv.Close()
	ctx := context.Background()
	var ids []int64
	for i := range n {
		m, err := db.CreateMonitor(ctx, metadata.Monitor{OrgID: org.OrganizationID, Kind: "http", Name: fmt.Sprint("bench ", i),
			URL: srv.URL + "/" + strconv.Itoa(i), Method: "GET", StatusMin: 200, StatusMax: 299, Interval: 30 * time.Second,
			Timeout: 10 * time.Second, FailureThreshold: 2, FollowRedirects: true})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	b.Cleanup(func() {
		for _, id := range ids {
			_ = db.DeleteMonitor(context.Background(), org.OrganizationID, id)
		}
	})
	checks := &countingChecks{CheckStore: store}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	runner := NewRunner(Config{ID: metadatatest.Slug("bench"), Guard: Guard{AllowPrivate: true}}, db, checks, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	b.ResetTimer()
	go func() { done <- runner.Run(runCtx) }()
	time.Sleep(window / 3)
	var during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&during)
	goroutines := runtime.NumGoroutine()
	start, startUp := checks.n.Load(), checks.up.Load()
	time.Sleep(window * 2 / 3)
	done_ := checks.n.Load() - start
	got := float64(done_) / (window * 2 / 3).Seconds()
	upShare := float64(checks.up.Load()-startUp) / float64(max(done_, 1))
	cancel()
	<-done
	b.StopTimer()
	due := float64(n) / 30
	b.ReportMetric(float64(n), "monitors")
	b.ReportMetric(got, "checks/s")
	b.ReportMetric(due, "due/s")
	b.ReportMetric(float64(during.HeapInuse-before.HeapInuse)/float64(n), "heap-B/monitor")
	b.ReportMetric(float64(goroutines), "goroutines")
	b.ReportMetric(100*upShare, "%up")
}
