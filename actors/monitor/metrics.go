package monitor

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// The monitors' Prometheus metrics (served at /metrics).
var (
	checksDone = promauto.NewCounterVec(prometheus.CounterOpts{Name: "faultline_monitor_checks_total",
		Help: "Monitor checks run, by kind and result."}, []string{"kind", "result"})
	monitorsHeld = promauto.NewGauge(prometheus.GaugeOpts{Name: "faultline_monitors_held",
		Help: "Monitors this process holds the lease of and checks."})
	stateChanges = promauto.NewCounterVec(prometheus.CounterOpts{Name: "faultline_monitor_state_changes_total",
		Help: "Monitor state changes, by kind (down, up, tls_expiry)."}, []string{"kind"})
	monitorPanics = promauto.NewCounterVec(prometheus.CounterOpts{Name: "faultline_monitor_panics_total",
		Help: "Panics recovered in the monitor runner, by where (actor, check, check_writer)."}, []string{"where"})
)
