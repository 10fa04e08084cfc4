package ingest

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Ingest's Prometheus metrics (served at /metrics).
var (
	requests = promauto.NewCounterVec(prometheus.CounterOpts{Name: "faultline_ingest_requests_total",
		Help: "Ingest requests by endpoint and answered status."}, []string{"endpoint", "status"})
	requestBytes = promauto.NewCounterVec(prometheus.CounterOpts{Name: "faultline_ingest_bytes_total",
		Help: "Request body bytes received, as sent (compressed or not), by endpoint."}, []string{"endpoint"})
	produceSeconds = promauto.NewHistogram(prometheus.HistogramOpts{Name: "faultline_ingest_produce_seconds",
		Help: "Time for Kafka to acknowledge a request's records.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)})
	staleKeys = promauto.NewCounter(prometheus.CounterOpts{Name: "faultline_ingest_stale_keys_total",
		Help: "Requests checked against an expired cached DSN key because the key lookup (PostgreSQL) failed."})
	limitHits = promauto.NewCounterVec(prometheus.CounterOpts{Name: "faultline_ingest_limit_hits_total",
		Help: "Requests refused by one of ingest's own bounds: decode_busy (too many bodies being decompressed at once), too_many_items (an envelope past the item limit)."},
		[]string{"limit"})
	blobDeletes = promauto.NewCounterVec(prometheus.CounterOpts{Name: "faultline_ingest_blob_deletes_total",
		Help: "Attachment blobs deleted because their records could not be produced, by result (ok, failed)."}, []string{"result"})
	refusedFull = promauto.NewCounter(prometheus.CounterOpts{Name: "faultline_ingest_refused_queue_full_total",
		Help: "Requests answered 503 because the event queue could not take writes (the embedded broker's disk is full)."})
)

// metered counts a handler's requests by the status it answers.
func metered(endpoint string, h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		requestBytes.WithLabelValues(endpoint).Add(float64(len(c.BodyRaw())))
		err := h(c)
		status := c.Response().StatusCode()
		var fe *fiber.Error
		switch {
		case errors.As(err, &fe):
			status = fe.Code
		case err != nil:
			status = fiber.StatusInternalServerError
		}
		requests.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()
		return err
	}
}

func observeProduce(start time.Time) { produceSeconds.Observe(time.Since(start).Seconds()) }
