package queue

import (
	"github.com/faultline/faultline/ingest/promreg"
	"github.com/prometheus/client_golang/prometheus"
)

// brokerMetrics are the embedded broker's Prometheus metrics (served at
// /metrics).
type brokerMetrics struct {
	logBytes        *prometheus.GaugeVec
	reclaimed       *prometheus.CounterVec
	reclaimRuns     prometheus.Counter
	reclaimFailures prometheus.Counter
	diskFree        prometheus.Gauge
	diskMinFree     prometheus.Gauge
	writable        prometheus.Gauge
}

// newBrokerMetrics registers the broker's metrics on reg; a nil reg
// registers them nowhere.
func newBrokerMetrics(reg prometheus.Registerer) *brokerMetrics {
	reg = promreg.Or(reg)
	return &brokerMetrics{
		logBytes: promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "faultline_broker_log_bytes",
			Help: "Bytes of records the embedded broker holds, by topic (updated by each reclaim run)."}, []string{"topic"})),
		reclaimed: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_broker_reclaimed_records_total",
			Help: "Consumed records the embedded broker deleted, by topic and by reason (age: past retention; size: over the size cap or short of disk)."},
			[]string{"topic", "reason"})),
		reclaimRuns: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_broker_reclaim_runs_total",
			Help: "Runs of the embedded broker's reclaimer."})),
		reclaimFailures: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_broker_reclaim_failures_total",
			Help: "Reclaimer runs that failed (retried at the next run)."})),
		diskFree: promreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "faultline_broker_disk_free_bytes",
			Help: "Free bytes on the embedded broker's file system."})),
		diskMinFree: promreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "faultline_broker_disk_min_free_bytes",
			Help: "Free bytes below which the embedded broker refuses new records (FAULTLINE_BROKER_MIN_FREE)."})),
		writable: promreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "faultline_broker_writable",
			Help: "1 when the embedded broker can take records, 0 when its disk is short of space or failed a write+fsync probe."})),
	}
}

// registerSyncMetrics exports how often the broker's log was made durable:
// sync rounds (one per batch of waiting responses) and the fsyncs (or
// syncfs calls) they made. Their ratio to produced records says how well rounds are shared.
func registerSyncMetrics(reg prometheus.Registerer, files *logFiles, committer *groupCommitter) {
	reg = promreg.Or(reg)
	if committer != nil {
		promreg.Register(reg, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "faultline_broker_sync_rounds_total",
			Help: "Rounds that made the embedded broker's log durable before the responses waiting on them were sent."},
			func() float64 { return float64(committer.rounds.Load()) }))
	}
	promreg.Register(reg, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "faultline_broker_fsyncs_total",
		Help: "fsync and syncfs calls the embedded broker's log tracking made, directories included."},
		func() float64 { return float64(files.fsyncs.Load()) }))
}

// syncRoundHistogram times the broker's sync rounds: every response the
// broker sends waits for one, so their tail is a floor under ingest's
// produce latency.
func syncRoundHistogram(reg prometheus.Registerer) prometheus.Histogram {
	return promreg.Register(promreg.Or(reg), prometheus.NewHistogram(prometheus.HistogramOpts{Name: "faultline_broker_sync_round_seconds",
		Help:    "Time a sync round of the embedded broker's log took (fsyncs included).",
		Buckets: prometheus.ExponentialBuckets(0.00025, 2, 13)}))
}
