package actors

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// OutcomeStore stores outcome rows; *analytics.Store is one.
type OutcomeStore interface {
	InsertOutcomes(ctx context.Context, rows []analytics.Outcome) error
}

// OutcomeWriter moves outcome batches from Kafka to ClickHouse, committing
// after each insert. Batches carry ids, so a replay stores nothing twice.
type OutcomeWriter struct {
	brokers []string
	store   OutcomeStore
	metrics *workerMetrics
	log     *slog.Logger
}

// NewOutcomeWriter returns a writer; Run starts it. Its metrics are
// registered on reg; nil registers them nowhere.
func NewOutcomeWriter(brokers []string, store OutcomeStore, reg prometheus.Registerer, log *slog.Logger) *OutcomeWriter {
	return &OutcomeWriter{brokers: brokers, store: store, metrics: newWorkerMetrics(reg), log: log}
}

// Run consumes until ctx ends or a commit fails.
func (o *OutcomeWriter) Run(ctx context.Context) error {
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers: o.brokers, GroupID: "outcome-writers", Topic: queue.OutcomesTopic,
		MinBytes: 1, MaxBytes: 8 << 20, MaxWait: 250 * time.Millisecond, StartOffset: kafka.FirstOffset,
		SessionTimeout: 10 * time.Second, RebalanceTimeout: 10 * time.Second, HeartbeatInterval: time.Second,
	})
	defer reader.Close()
	return consume(ctx, batchLoop{
		fetch: func(ctx context.Context) ([]kafka.Message, func(), error) {
			batch, err := fetchBatch(ctx, reader, 500, time.Second)
			if err != nil {
				return nil, nil, fmt.Errorf("fetch outcomes: %w", err)
			}
			return batch, nil, nil
		},
		store: func(ctx context.Context, batch []kafka.Message) error {
			rows := o.rows(batch)
			return o.metrics.retry(ctx, o.log, "store outcomes", func() error { return o.store.InsertOutcomes(ctx, rows) })
		},
		commit: func(ctx context.Context, batch []kafka.Message) error {
			if err := reader.CommitMessages(ctx, batch...); err != nil {
				return fmt.Errorf("commit outcomes: %w", err)
			}
			return nil
		},
	})
}

// rows decodes a batch of outcome messages, skipping any that is not one.
func (o *OutcomeWriter) rows(batch []kafka.Message) []analytics.Outcome {
	var rows []analytics.Outcome
	for _, m := range batch {
		b, err := queue.DecodeOutcomes(m)
		if err != nil {
			o.log.Warn("skipping a message that is not an outcome batch", "err", err)
			continue
		}
		for _, r := range b.Rows {
			rows = append(rows, analytics.Outcome{ProjectID: uint64(r.ProjectID), Minute: time.Unix(r.Minute, 0),
				Category: r.Category, Outcome: r.Outcome, Reason: r.Reason, BatchID: b.ID, Quantity: r.Quantity})
		}
	}
	return rows
}

// fetchBatch blocks for the first message, then gathers up to maxBatch for
// at most maxWait.
func fetchBatch(ctx context.Context, r *kafka.Reader, maxBatch int, maxWait time.Duration) ([]kafka.Message, error) {
	first, err := r.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	batch := []kafka.Message{first}
	fillCtx, cancel := context.WithTimeout(ctx, maxWait)
	defer cancel()
	for len(batch) < maxBatch {
		m, err := r.FetchMessage(fillCtx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			break // the batch's time is up
		}
		batch = append(batch, m)
	}
	return batch, nil
}
