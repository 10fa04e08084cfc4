package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The drain waits until the workers stored every accepted event, and says
// how far they got when the time ran out: a CPU figure read while they
// were behind leaves their remaining work out.
func TestDrainWaitsForTheWorkers(t *testing.T) {
	var polls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		// 100 records stored before the run, then 10 more per poll.
		fmt.Fprintf(w, "faultline_worker_batch_records_sum_other 1\n%s %d\nprocess_cpu_seconds_total 2\n", storedMetric, 100+10*polls.Add(1))
	}))
	defer srv.Close()
	ctx := context.Background()
	before, err := storedRecords(ctx, srv.Client(), srv.URL)
	if err != nil || before != 110 {
		t.Fatalf("stored before: %v, %v", before, err)
	}
	if _, stored, err := drain(ctx, srv.Client(), srv.URL, before, 30, time.Minute); err != nil || stored != 30 {
		t.Errorf("drain to 30 records: stored %v, %v", stored, err)
	}
	before = 100 + 10*float64(polls.Load())
	took, stored, err := drain(ctx, srv.Client(), srv.URL, before, 1e9, 120*time.Millisecond)
	if err != nil || stored <= 0 || stored >= 1e9 || took < 120*time.Millisecond {
		t.Errorf("drain that cannot finish: stored %v after %s, %v", stored, took, err)
	}

	r := &result{accepted: 1000, stored: 400, drained: 5 * time.Second}
	var out strings.Builder
	r.print(&out)
	if !strings.Contains(out.String(), "stored: 400 of 1000 accepted events 5s after the last answer: the workers were behind") {
		t.Errorf("report of a run the workers could not keep up with:\n%s", out.String())
	}
}

// A process without a worker (ingest alone) has no stored-records metric.
func TestMetricValueMissing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "process_cpu_seconds_total 2")
	}))
	defer srv.Close()
	if _, err := storedRecords(context.Background(), srv.Client(), srv.URL); err == nil || !strings.Contains(err.Error(), "no worker runs") {
		t.Errorf("metrics without the worker's: %v", err)
	}
}
