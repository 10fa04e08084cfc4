package main

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/faultline/faultline/ingest/promreg"
	"github.com/prometheus/client_golang/prometheus"
)

// newLoopPanics registers on reg the count of panics recovered in the
// process's background loops (served at /metrics); a nil reg registers it
// nowhere.
func newLoopPanics(reg prometheus.Registerer) *prometheus.CounterVec {
	return promreg.Register(promreg.Or(reg), prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_loop_panics_total",
		Help: "Panics recovered in background loops, by loop; supervised loops are restarted with back-off."}, []string{"loop"}))
}

// recovered runs fn and turns a panic in it into an error, logged with its
// stack and counted in loopPanics (faultline_loop_panics_total) under name,
// so that a bug in one role's loop does not end every role of the process.
func recovered(loopPanics *prometheus.CounterVec, name string, log *slog.Logger, fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			loopPanics.WithLabelValues(name).Inc()
			log.Error("loop panicked", "loop", name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn()
}
