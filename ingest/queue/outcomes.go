package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// OutcomesTopic carries outcome counts from every process to the writer
// that stores them in ClickHouse.
const OutcomesTopic = "outcomes"

// OutcomeRow is a count of items of one category that met one fate in one
// minute.
type OutcomeRow struct {
	ProjectID int64  `json:"project_id"`
	Minute    int64  `json:"minute"` // unix seconds, a multiple of 60
	Category  string `json:"category"`
	Outcome   string `json:"outcome"`
	Reason    string `json:"reason,omitempty"`
	Quantity  uint64 `json:"quantity"`
}

// OutcomeBatch is one flush of one process's counts. Its id makes storing it
// idempotent.
type OutcomeBatch struct {
	ID   string       `json:"id"`
	Rows []OutcomeRow `json:"rows"`
}

// DecodeOutcomes reads a batch from an outcomes message.
func DecodeOutcomes(m kafka.Message) (OutcomeBatch, error) {
	var b OutcomeBatch
	if err := json.Unmarshal(m.Value, &b); err != nil || len(b.ID) != 32 {
		return b, fmt.Errorf("outcomes message at %d/%d is not an outcome batch", m.Partition, m.Offset)
	}
	return b, nil
}

type outcomeKey struct {
	projectID                 int64
	minute                    int64
	category, outcome, reason string
}

// Producer writes to Kafka; *Writer is one.
type Producer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// DefaultOutcomeFlush is how often an OutcomeCounter produces its counts
// unless told otherwise.
const DefaultOutcomeFlush = 10 * time.Second

// OutcomeCounter adds up outcomes in memory and produces them to Kafka every
// flush period, so counting costs a map update on the request path.
type OutcomeCounter struct {
	producer   Producer
	log        *slog.Logger
	flushEvery time.Duration

	mu     sync.Mutex
	counts map[outcomeKey]uint64
}

// NewOutcomeCounter returns a counter; Run flushes it every flushEvery
// (DefaultOutcomeFlush when zero).
func NewOutcomeCounter(producer Producer, flushEvery time.Duration, log *slog.Logger) *OutcomeCounter {
	if flushEvery <= 0 {
		flushEvery = DefaultOutcomeFlush
	}
	return &OutcomeCounter{producer: producer, log: log, flushEvery: flushEvery, counts: map[outcomeKey]uint64{}}
}

// Add counts n items. A nil counter counts nothing.
func (o *OutcomeCounter) Add(projectID int64, category, outcome, reason string, n int) {
	if o == nil || n <= 0 {
		return
	}
	k := outcomeKey{projectID: projectID, minute: time.Now().Unix() / 60 * 60, category: category, outcome: outcome, reason: reason}
	o.mu.Lock()
	o.counts[k] += uint64(n)
	o.mu.Unlock()
}

// Run flushes every flush period until ctx ends, then flushes once more.
func (o *OutcomeCounter) Run(ctx context.Context) error {
	t := time.NewTicker(o.flushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return o.Flush(final)
		case <-t.C:
			if err := o.Flush(ctx); err != nil {
				o.log.Warn("outcomes not flushed; keeping them for the next try", "err", err)
			}
		}
	}
}

// Flush produces the counts gathered so far. On failure they are kept.
func (o *OutcomeCounter) Flush(ctx context.Context) error {
	o.mu.Lock()
	counts := o.counts
	o.counts = map[outcomeKey]uint64{}
	o.mu.Unlock()
	if len(counts) == 0 {
		return nil
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	b := OutcomeBatch{ID: hex.EncodeToString(id)}
	for k, n := range counts {
		b.Rows = append(b.Rows, OutcomeRow{ProjectID: k.projectID, Minute: k.minute, Category: k.category,
			Outcome: k.outcome, Reason: k.reason, Quantity: n})
	}
	value, _ := json.Marshal(b)
	err := o.producer.WriteMessages(ctx, kafka.Message{Topic: OutcomesTopic, Key: []byte(b.ID), Value: value})
	if err != nil {
		o.mu.Lock()
		for k, n := range counts {
			o.counts[k] += n
		}
		o.mu.Unlock()
		return fmt.Errorf("produce outcomes: %w", err)
	}
	return nil
}
