package queue

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// The embedded broker's Prometheus metrics (served at /metrics).
var (
	logBytes = promauto.NewGaugeVec(prometheus.GaugeOpts{Name: "faultline_broker_log_bytes",
		Help: "Bytes of records the embedded broker holds, by topic (updated by each reclaim run)."}, []string{"topic"})
	reclaimed = promauto.NewCounterVec(prometheus.CounterOpts{Name: "faultline_broker_reclaimed_records_total",
		Help: "Consumed records the embedded broker deleted, by topic and by reason (age: past retention; size: over the size cap or short of disk)."},
		[]string{"topic", "reason"})
	reclaimRuns = promauto.NewCounter(prometheus.CounterOpts{Name: "faultline_broker_reclaim_runs_total",
		Help: "Runs of the embedded broker's reclaimer."})
	reclaimFailures = promauto.NewCounter(prometheus.CounterOpts{Name: "faultline_broker_reclaim_failures_total",
		Help: "Reclaimer runs that failed (retried at the next run)."})
	diskFree = promauto.NewGauge(prometheus.GaugeOpts{Name: "faultline_broker_disk_free_bytes",
		Help: "Free bytes on the embedded broker's file system."})
	diskMinFree = promauto.NewGauge(prometheus.GaugeOpts{Name: "faultline_broker_disk_min_free_bytes",
		Help: "Free bytes below which the embedded broker refuses new records (FAULTLINE_BROKER_MIN_FREE)."})
	writable = promauto.NewGauge(prometheus.GaugeOpts{Name: "faultline_broker_writable",
		Help: "1 when the embedded broker can take records, 0 when its disk is short of space or failed a write+fsync probe."})
)
