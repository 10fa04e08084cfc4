package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

// A profiling address off loopback is refused before anything listens,
// with an error that names the setting.
func TestPprofRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "10.1.2.3:6060", "[::]:6060", "example.com:6060", "127.0.0.1"} {
		stop, err := startProfiler(addr, slog.New(slog.DiscardHandler))
		if err == nil {
			stop()
			t.Errorf("%q: started, want refused", addr)
			continue
		}
		if !strings.Contains(err.Error(), pprofListenEnv) {
			t.Errorf("%q: error %q does not name %s", addr, err, pprofListenEnv)
		}
	}
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060", "127.0.0.2:0"} {
		if err := checkPprofAddr(addr); err != nil {
			t.Errorf("%q: %v, want accepted", addr, err)
		}
	}
}

// On a loopback address the profiler serves pprof's index and profiles;
// once stopped it serves nothing. No address starts nothing.
func TestPprofServesOnLoopback(t *testing.T) {
	stop, err := startProfiler("", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	stop()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stop, err = startProfiler(addr, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/debug/pprof/": "goroutine", "/debug/pprof/goroutine?debug=1": "goroutine profile"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, body without %q", path, resp.StatusCode, want)
		}
	}
	stop()
	if resp, err := http.Get("http://" + addr + "/debug/pprof/"); err == nil {
		resp.Body.Close()
		t.Error("the profiler still answers after stop")
	}
}
