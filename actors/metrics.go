package actors

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// The workers' Prometheus metrics (served at /metrics).
var (
	batchRecords = promauto.NewHistogram(prometheus.HistogramOpts{Name: "faultline_worker_batch_records",
		Help: "Records per consumed batch.", Buckets: prometheus.ExponentialBuckets(1, 4, 7)})
	batchSeconds = promauto.NewHistogram(prometheus.HistogramOpts{Name: "faultline_worker_batch_seconds",
		Help: "Time to group and store one batch (PostgreSQL and ClickHouse), before its commit.", Buckets: prometheus.DefBuckets})
	replaySkipped = promauto.NewCounter(prometheus.CounterOpts{Name: "faultline_worker_replayed_rows_skipped_total",
		Help: "Replayed rows found already in ClickHouse and not inserted again."})
	storeRetries = promauto.NewCounterVec(prometheus.CounterOpts{Name: "faultline_worker_store_errors_total",
		Help: "Failed attempts to store a batch, by step (retried)."}, []string{"step"})
	deadLetters = promauto.NewCounter(prometheus.CounterOpts{Name: "faultline_worker_dead_letters_total",
		Help: "Records sent to the dead-letter topic."})
	consumerLag = promauto.NewGaugeVec(prometheus.GaugeOpts{Name: "faultline_consumer_lag",
		Help: "Messages behind the newest offset, per topic and partition, as the consumer last saw it."}, []string{"topic", "partition"})
	mailboxDepth = promauto.NewGauge(prometheus.GaugeOpts{Name: "faultline_project_actor_mailbox_messages",
		Help: "Messages waiting in project actors' mailboxes, summed over the process's actors."})
	projectActors = promauto.NewGauge(prometheus.GaugeOpts{Name: "faultline_project_actors",
		Help: "Project actors alive in this process."})
)

// mailboxMeter counts messages in and out of actors' mailboxes.
type mailboxMeter struct{}

func (mailboxMeter) MailboxStarted()     {}
func (mailboxMeter) MessagePosted(any)   { mailboxDepth.Inc() }
func (mailboxMeter) MessageReceived(any) { mailboxDepth.Dec() }
func (mailboxMeter) MailboxEmpty()       {}

var (
	retentionPasses = promauto.NewCounter(prometheus.CounterOpts{Name: "faultline_retention_passes_total",
		Help: "Completed retention passes."})
	retentionDropped = promauto.NewCounter(prometheus.CounterOpts{Name: "faultline_retention_partitions_dropped_total",
		Help: "ClickHouse day partitions dropped for being older than the retention."})
)
