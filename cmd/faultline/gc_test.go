package main

import (
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"testing"
)

// A server collects garbage at GOGC 200 unless its environment names a
// GOGC, which the runtime has then already applied and which stays.
func TestTuneGC(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	gogc, set := os.LookupEnv("GOGC")
	os.Unsetenv("GOGC")
	t.Cleanup(func() {
		if set {
			os.Setenv("GOGC", gogc)
		}
	})
	tuneGC(quiet)
	if got := debug.SetGCPercent(100); got != serverGCPercent {
		t.Errorf("without GOGC: GC percent %d, want %d", got, serverGCPercent)
	}

	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50) // as the runtime does with GOGC=50 at start
	tuneGC(quiet)
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("with GOGC=50: GC percent %d, want 50", got)
	}
}
