package monitor

import (
	"github.com/faultline/faultline/ingest/promreg"
	"github.com/prometheus/client_golang/prometheus"
)

// monitorMetrics are the monitors' Prometheus metrics (served at /metrics).
type monitorMetrics struct {
	checksDone    *prometheus.CounterVec
	monitorsHeld  prometheus.Gauge
	stateChanges  *prometheus.CounterVec
	monitorPanics *prometheus.CounterVec
}

// newMonitorMetrics registers the metrics on reg; a nil reg registers them
// nowhere.
func newMonitorMetrics(reg prometheus.Registerer) *monitorMetrics {
	reg = promreg.Or(reg)
	return &monitorMetrics{
		checksDone: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_monitor_checks_total",
			Help: "Monitor checks run, by kind and result."}, []string{"kind", "result"})),
		monitorsHeld: promreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "faultline_monitors_held",
			Help: "Monitors this process holds the lease of and checks."})),
		stateChanges: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_monitor_state_changes_total",
			Help: "Monitor state changes, by kind (down, up, tls_expiry)."}, []string{"kind"})),
		monitorPanics: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_monitor_panics_total",
			Help: "Panics recovered in the monitor runner, by where (actor, check, check_writer)."}, []string{"where"})),
	}
}
