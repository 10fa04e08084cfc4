package main

import (
	"bytes"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"testing"
)

// Outside a container and without GOMEMLIMIT, the server sets no memory
// limit and leaves the collector's target as it is, and says so.
func TestLimitMemoryOutsideAContainer(t *testing.T) {
	for _, name := range []string{"AUTOMEMLIMIT", "GOMEMLIMIT"} {
		if v, set := os.LookupEnv(name); set {
			os.Unsetenv(name)
			t.Cleanup(func() { os.Setenv(name, v) })
		}
	}
	was := debug.SetMemoryLimit(-1)
	percent := gcPercent()
	t.Cleanup(func() { debug.SetMemoryLimit(was) })
	var logged bytes.Buffer
	limitMemory(slog.New(slog.NewTextHandler(&logged, nil)))
	if got := gcPercent(); got != percent {
		t.Errorf("GC percent %d, want it left at %d", got, percent)
	}
	if !strings.Contains(logged.String(), "garbage collector") {
		t.Errorf("the collector's settings are not logged: %q", logged.String())
	}
}
