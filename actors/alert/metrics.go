package alert

import (
	"github.com/faultline/faultline/ingest/promreg"
	"github.com/prometheus/client_golang/prometheus"
)

// alertMetrics are the alerts' Prometheus metrics (served at /metrics).
type alertMetrics struct {
	alertsFired   *prometheus.CounterVec
	notifications *prometheus.CounterVec
}

// newAlertMetrics registers the metrics on reg; a nil reg registers them
// nowhere.
func newAlertMetrics(reg prometheus.Registerer) *alertMetrics {
	reg = promreg.Or(reg)
	return &alertMetrics{
		alertsFired: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_alerts_fired_total",
			Help: "Alerts recorded, by trigger."}, []string{"trigger"})),
		notifications: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_notifications_total",
			Help: "Notification attempts, by recipient kind and outcome (sent, failed, refused: email to an address outside the organization)."}, []string{"kind", "outcome"})),
	}
}
