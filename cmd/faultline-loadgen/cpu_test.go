package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMetricsCPU(t *testing.T) {
	const metrics = "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n" +
		"# TYPE process_cpu_seconds_total counter\n" +
		"process_cpu_seconds_total_other 9\n" +
		"process_cpu_seconds_total 12.34\n" +
		"process_open_fds 20\n"
	got, err := metricsCPU(strings.NewReader(metrics))
	if err != nil || got != 12340*time.Millisecond {
		t.Fatalf("got %s, %v; want 12.34s", got, err)
	}
	if _, err := metricsCPU(strings.NewReader("go_goroutines 5\n")); err == nil || !strings.Contains(err.Error(), "-server-pid") {
		t.Errorf("metrics without the counter: err = %v, want one that suggests -server-pid", err)
	}
}

func TestProcCPU(t *testing.T) {
	// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
	stat := "4242 (faultline (serve) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 566 0 0 20 0 12 0\n"
	got, err := procCPU(stat)
	if err != nil || got != 18*time.Second {
		t.Fatalf("got %s, %v; want 18s (1800 ticks)", got, err)
	}
	if _, err := procCPU("4242 (short) S 1"); err == nil {
		t.Error("a truncated stat was read")
	}
}

// The meter reads the server's /metrics, or /proc when given a pid.
func TestCPUMeter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "process_cpu_seconds_total 3.5")
	}))
	defer srv.Close()
	got, err := cpuMeter{metricsURL: srv.URL + "/metrics", client: srv.Client()}.used(context.Background())
	if err != nil || got != 3500*time.Millisecond {
		t.Errorf("from metrics: %s, %v; want 3.5s", got, err)
	}
	if _, err := (cpuMeter{pid: os.Getpid()}).used(context.Background()); err != nil {
		t.Errorf("from /proc: %v", err)
	}
}

// A gzipped job carries its envelope gzipped, with the encoding to say so.
func TestJobGzipped(t *testing.T) {
	j := job{body: []byte("{}\n{\"type\":\"event\"}\n{\"message\":\"hello\"}\n")}
	z := j.gzipped()
	if z.encoding != "gzip" {
		t.Fatalf("encoding %q, want gzip", z.encoding)
	}
	r, err := gzip.NewReader(bytes.NewReader(z.body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(plain, j.body) {
		t.Fatalf("gzipped body reads back as %q (err %v), want %q", plain, err, j.body)
	}
}

// The generator reports its own CPU, which a busy loop must move.
func TestOwnCPUCountsWork(t *testing.T) {
	before := ownCPU()
	deadline := time.Now().Add(50 * time.Millisecond)
	n := 0
	for time.Now().Before(deadline) {
		n++
	}
	if used := ownCPU() - before; used < 10*time.Millisecond {
		t.Fatalf("50 ms of busy work counted as %s of CPU (%d rounds)", used, n)
	}
	var out bytes.Buffer
	(&result{accepted: 1, elapsed: 2 * time.Second, ownCPU: time.Second}).print(&out)
	if !strings.Contains(out.String(), "load generator CPU while sending: 1.00 s, 50 % of a core") {
		t.Errorf("the report does not give the generator's CPU:\n%s", out.String())
	}
}
