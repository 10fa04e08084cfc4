package alert

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// The alerts' Prometheus metrics (served at /metrics).
var (
	alertsFired = promauto.NewCounterVec(prometheus.CounterOpts{Name: "faultline_alerts_fired_total",
		Help: "Alerts recorded, by trigger."}, []string{"trigger"})
	notifications = promauto.NewCounterVec(prometheus.CounterOpts{Name: "faultline_notifications_total",
		Help: "Notification attempts, by recipient kind and outcome (sent, failed, refused: email to an address outside the organization)."}, []string{"kind", "outcome"})
)
