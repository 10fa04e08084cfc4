package ingest

import (
	"errors"
	"strconv"
	"time"

	"github.com/faultline/faultline/ingest/promreg"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// ingestMetrics are ingest's Prometheus metrics (served at /metrics).
type ingestMetrics struct {
	requests       *prometheus.CounterVec
	requestBytes   *prometheus.CounterVec
	produceSeconds prometheus.Histogram
	staleKeys      prometheus.Counter
	limitHits      *prometheus.CounterVec
	blobDeletes    *prometheus.CounterVec
	refusedFull    prometheus.Counter
}

// newIngestMetrics registers ingest's metrics on reg; a nil reg registers
// them nowhere.
func newIngestMetrics(reg prometheus.Registerer) *ingestMetrics {
	reg = promreg.Or(reg)
	return &ingestMetrics{
		requests: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_ingest_requests_total",
			Help: "Ingest requests by endpoint and answered status."}, []string{"endpoint", "status"})),
		requestBytes: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_ingest_bytes_total",
			Help: "Request body bytes received, as sent (compressed or not), by endpoint."}, []string{"endpoint"})),
		produceSeconds: promreg.Register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{Name: "faultline_ingest_produce_seconds",
			Help: "Time for Kafka to acknowledge a request's records.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)})),
		staleKeys: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_ingest_stale_keys_total",
			Help: "Requests checked against an expired cached DSN key because the key lookup (PostgreSQL) failed."})),
		limitHits: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_ingest_limit_hits_total",
			Help: "Requests refused by one of ingest's own bounds: decode_busy (too many bodies being decompressed at once), too_many_items (an envelope past the item limit)."},
			[]string{"limit"})),
		blobDeletes: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_ingest_blob_deletes_total",
			Help: "Attachment blobs deleted because their records could not be produced, by result (ok, failed)."}, []string{"result"})),
		refusedFull: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_ingest_refused_queue_full_total",
			Help: "Requests answered 503 because the event queue could not take writes (the embedded broker's disk is full)."})),
	}
}

// metered counts a handler's requests by the status it answers.
func (m *ingestMetrics) metered(endpoint string, h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		// The request's own body: BodyRaw would copy it under Immutable.
		m.requestBytes.WithLabelValues(endpoint).Add(float64(len(c.Request().Body())))
		err := h(c)
		status := c.Response().StatusCode()
		var fe *fiber.Error
		switch {
		case errors.As(err, &fe):
			status = fe.Code
		case err != nil:
			status = fiber.StatusInternalServerError
		}
		m.requests.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()
		return err
	}
}

func (m *ingestMetrics) observeProduce(start time.Time) {
	m.produceSeconds.Observe(time.Since(start).Seconds())
}
