package main

import (
	"log/slog"
	"math"
	"os"
	"runtime/debug"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// serverGCPercent is the collector's target for a server: each event
// leaves tens of kilobytes of short-lived garbage, and at Go's default
// (100) collecting it took about a tenth of the server's CPU. At 200 a
// saturated server spends ~11% less CPU per event for ~130 MB more RSS
// (400 MB at its peak on 2 cores, see the README's load section).
const serverGCPercent = 200

// memoryRatio is the share of a container's memory the heap may grow to
// before the collector works harder (a soft limit, GOMEMLIMIT).
const memoryRatio = 0.9

// tuneGC sets the collector for a server, unless the environment does:
// GOGC 200 (GOGC set keeps its value), and a soft memory limit at 90% of
// the container's memory when it runs in one (GOMEMLIMIT set keeps its
// value; AUTOMEMLIMIT=off or a ratio such as 0.8 overrides the share), so
// that the larger target never pushes a pod past its limit.
func tuneGC(log *slog.Logger) {
	percent := serverGCPercent
	if _, set := os.LookupEnv("GOGC"); set {
		percent = debug.SetGCPercent(-1)
	}
	debug.SetGCPercent(percent)
	limit, err := memlimit.Set(memlimit.WithRatio(memoryRatio), memlimit.WithProvider(memlimit.FromCgroup))
	switch {
	case err != nil || limit == math.MaxInt64:
		log.Info("garbage collector", "gc_percent", percent, "memory_limit", "none (no container limit found; GOMEMLIMIT sets one)")
	default:
		log.Info("garbage collector", "gc_percent", percent, "memory_limit_bytes", limit)
	}
}
