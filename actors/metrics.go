package actors

import (
	"github.com/faultline/faultline/ingest/promreg"
	"github.com/prometheus/client_golang/prometheus"
)

// workerMetrics are the workers' Prometheus metrics (served at /metrics),
// the outcome writer's and the retention job's.
type workerMetrics struct {
	batchRecords      prometheus.Histogram
	batchSeconds      prometheus.Histogram
	replaySkipped     prometheus.Counter
	storeRetries      *prometheus.CounterVec
	deadLetters       prometheus.Counter
	consumerLag       *prometheus.GaugeVec
	oldestUnprocessed prometheus.Gauge
	workerBytesHeld   prometheus.Gauge
	batchSplits       prometheus.Counter
	fetchErrors       prometheus.Counter
	sinkInserts       prometheus.Histogram
	mailboxDepth      prometheus.Gauge
	projectActors     prometheus.Gauge
	workerPanics      *prometheus.CounterVec
	retentionPasses   prometheus.Counter
	retentionDropped  prometheus.Counter
	symbolicated      *prometheus.CounterVec
	symbolicationCut  prometheus.Counter
}

// newWorkerMetrics registers the metrics on reg; a nil reg registers them
// nowhere.
func newWorkerMetrics(reg prometheus.Registerer) *workerMetrics {
	reg = promreg.Or(reg)
	return &workerMetrics{
		batchRecords: promreg.Register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{Name: "faultline_worker_batch_records",
			Help: "Records per consumed batch.", Buckets: prometheus.ExponentialBuckets(1, 4, 7)})),
		batchSeconds: promreg.Register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{Name: "faultline_worker_batch_seconds",
			Help: "Time to group and store one batch (PostgreSQL and ClickHouse), before its commit.", Buckets: prometheus.DefBuckets})),
		replaySkipped: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_worker_replayed_rows_skipped_total",
			Help: "Replayed rows found already in ClickHouse and not inserted again."})),
		storeRetries: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_worker_store_errors_total",
			Help: "Failed attempts to store a batch, by step (retried)."}, []string{"step"})),
		deadLetters: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_worker_dead_letters_total",
			Help: "Records sent to the dead-letter topic."})),
		consumerLag: promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "faultline_consumer_lag",
			Help: "Records of the events topic not yet committed by the workers' group, per partition (broker end offset minus committed offset, measured even while consumers are stalled)."}, []string{"topic", "partition"})),
		oldestUnprocessed: promreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "faultline_oldest_unprocessed_event_seconds",
			Help: "Age of the oldest record of the events topic the workers' group has not committed (0 when none is waiting)."})),
		workerBytesHeld: promreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "faultline_worker_payload_bytes_held",
			Help: "Payload bytes of fetched batches the worker holds, bounded by its in-flight budget."})),
		batchSplits: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_worker_batch_splits_total",
			Help: "Batches split in halves because the project actors could not finish them in time."})),
		fetchErrors: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_worker_fetch_errors_total",
			Help: "Failed fetches from Kafka (retried)."})),
		sinkInserts: promreg.Register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{Name: "faultline_worker_insert_batches",
			Help: "Partition batches joined into one ClickHouse insert.", Buckets: prometheus.LinearBuckets(1, 2, 9)})),
		mailboxDepth: promreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "faultline_project_actor_mailbox_messages",
			Help: "Messages waiting in project actors' mailboxes, summed over the process's actors."})),
		projectActors: promreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "faultline_project_actors",
			Help: "Project actors alive in this process."})),
		workerPanics: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_worker_panics_total",
			Help: "Panics recovered in the worker, by where (project_actor, partition, insert_sink, lag_monitor, symbolication)."}, []string{"where"})),
		retentionPasses: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_retention_passes_total",
			Help: "Completed retention passes."})),
		retentionDropped: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_retention_partitions_dropped_total",
			Help: "ClickHouse day partitions dropped for being older than the retention."})),
		symbolicated: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_symbolication_frames_total",
			Help: "JavaScript frames by what symbolication made of them: mapped, unmapped (with a reason in the event), skipped (past the frame cap or the time budget, or the source failed)."}, []string{"result"})),
		symbolicationCut: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_symbolication_timeouts_total",
			Help: "Events whose symbolication ran out of time (its own timeout or its batch's budget)."})),
	}
}

// mailboxMeter counts messages in and out of actors' mailboxes.
type mailboxMeter struct{ depth prometheus.Gauge }

func (mailboxMeter) MailboxStarted()       {}
func (m mailboxMeter) MessagePosted(any)   { m.depth.Inc() }
func (m mailboxMeter) MessageReceived(any) { m.depth.Dec() }
func (mailboxMeter) MailboxEmpty()         {}
