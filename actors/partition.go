package actors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/faultline/faultline/ingest/queue"
	"github.com/segmentio/kafka-go"
)

// errSlowBatch is the cause of a project actor call that ran out of the
// time its batch's size allows; the batch is then split.
var errSlowBatch = errors.New("project actors did not finish the batch in time")

// errPanicked marks a project actor's answer for a batch whose grouping
// panicked; the batch is split like a slow one until the record is alone.
var errPanicked = errors.New("grouping panicked")

// slowStrikes is how many times a lone record may run out of time, with
// the stores answering, before it is dead-lettered.
const slowStrikes = 3

// partition consumes one assigned partition of the events topic: it fetches
// a batch bounded by count and bytes, has the project actors group it,
// stores it and commits it, then fetches the next. Partitions run in
// parallel, so a slow project holds up only its own partition.
type partition struct {
	w      *Worker
	id     int
	next   int64 // the offset to fetch next
	commit func(ctx context.Context, offset int64) error

	started   bool  // a batch of this partition was handled since it was assigned
	replayEnd int64 // records before this offset may be stored already
	strikes   int   // times the lone record at next ran out of time

	// stored is the bytes records took on the broker per byte of their
	// expanded payload, in the last fetch that returned any (0 before).
	// A fetch asks the broker for maxBytes times it, so that what it
	// returns expands to about what the batch has room for.
	stored float64
}

// run consumes until ctx ends (the generation or the worker stops) or a
// batch cannot be committed.
func (p *partition) run(ctx context.Context) error {
	return consume(ctx, batchLoop{
		fetch: func(ctx context.Context) ([]kafka.Message, func(), error) {
			batch, held, err := p.fill(ctx)
			return batch, func() { p.w.budget.release(held) }, err
		},
		store:  p.handle,
		commit: p.commitBatch,
	})
}

// commitBatch commits the partition's offset past batch.
func (p *partition) commitBatch(ctx context.Context, batch []kafka.Message) error {
	return p.commit(ctx, batch[len(batch)-1].Offset+1)
}

// fill fetches the next batch: it waits for the first records, then
// gathers more for at most MaxWait, up to MaxBatch records and
// MaxBatchBytes of payload, within the worker's byte budget. held is what
// the batch holds of that budget.
func (p *partition) fill(ctx context.Context) (batch []kafka.Message, held int64, err error) {
	cfg := p.w.cfg
	var deadline time.Time
	for len(batch) < cfg.MaxBatch && held < cfg.MaxBatchBytes {
		want := min(int64(fetchBytes), cfg.MaxBatchBytes-held)
		wait := cfg.MaxWait
		if len(batch) == 0 {
			if err := p.w.budget.acquire(ctx, want); err != nil {
				return nil, 0, err
			}
		} else {
			if wait = time.Until(deadline); wait <= 0 || !p.w.budget.tryAcquire(want) {
				break
			}
		}
		// The first fetch answers as soon as anything is there. The
		// rest gather: each waits for gatherBytes (or the deadline, by
		// which the batch closes anyway) instead of answering every
		// produce, which cost a fetch round trip and a broker read per
		// produce request while the batch filled.
		least := int64(1)
		if len(batch) > 0 {
			least = gatherBytes // fetch keeps it within what it asks for
		}
		got, n, err := p.fetch(ctx, want, least, wait, cfg.MaxBatch-len(batch))
		p.w.budget.adjust(want, n)
		if err != nil {
			p.w.budget.release(held + n)
			return nil, 0, err
		}
		batch, held = append(batch, got...), held+n
		if len(batch) == 0 {
			continue // nothing new within MaxWait: wait again
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(cfg.MaxWait)
		}
		if len(got) == 0 {
			break
		}
	}
	return batch, held, nil
}

// fetch reads up to maxRecords records from p.next, asking the broker for at most
// maxBytes and waiting up to wait for minBytes of them (as the broker
// stores them) to be there. It keeps records only up to
// maxBytes (plus the record that crosses it): the broker may answer with a
// whole record batch of the producer's, larger than asked. n is the payload
// bytes kept, counted as they will be once expanded (queue.PayloadLen):
// records travel compressed.
func (p *partition) fetch(ctx context.Context, maxBytes, minBytes int64, wait time.Duration, maxRecords int) (msgs []kafka.Message, n int64, err error) {
	ask := maxBytes
	if p.stored > 0 && p.stored < 1 {
		ask = max(int64(float64(maxBytes)*p.stored), min(maxBytes, minFetchBytes))
	}
	res, err := p.w.client.Fetch(ctx, &kafka.FetchRequest{Topic: queue.EventsTopic, Partition: p.id, Offset: p.next,
		MinBytes: min(minBytes, ask), MaxBytes: ask, MaxWait: wait})
	if err == nil {
		err = res.Error
	}
	if errors.Is(err, kafka.OffsetOutOfRange) {
		return nil, 0, p.rewind(ctx)
	}
	if err == nil {
		p.w.assigned.Store(true) // the broker serves this worker its partition
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		p.w.metrics.fetchErrors.Inc()
		p.w.log.Warn("fetch from Kafka failed; retrying", "partition", p.id, "err", err)
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-time.After(time.Second):
		}
		return nil, 0, nil
	}
	var stored int64
	for len(msgs) < maxRecords && n < maxBytes {
		rec, err := res.Records.ReadRecord()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return msgs, n, fmt.Errorf("read records of partition %d: %w", p.id, err)
		}
		if rec.Offset < p.next {
			closeRecord(rec)
			continue // a record batch may start before the offset asked for
		}
		m := kafka.Message{Topic: queue.EventsTopic, Partition: p.id, Offset: rec.Offset, Time: rec.Time, Headers: rec.Headers}
		if m.Key, m.Value, err = copyRecord(rec); err != nil {
			return msgs, n, fmt.Errorf("read record %d of partition %d: %w", rec.Offset, p.id, err)
		}
		msgs = append(msgs, m)
		n += int64(len(m.Key) + queue.PayloadLen(m))
		stored += int64(len(m.Key) + len(m.Value))
		p.next = rec.Offset + 1
	}
	if n > 0 {
		p.stored = float64(stored) / float64(n)
	}
	return msgs, n, nil
}

// rewind moves a partition whose offset is out of the broker's range (its
// records were deleted by retention, or the broker lost its log) to the
// earliest record the broker still holds.
func (p *partition) rewind(ctx context.Context) error {
	first, err := p.w.firstOffset(ctx, p.id)
	if err != nil {
		return err
	}
	p.w.log.Error("committed offset out of the broker's range; continuing from the earliest record it holds",
		"partition", p.id, "offset", p.next, "earliest", first)
	p.next = first
	return nil
}

// copyRecord reads rec's key and value into memory of their own, and
// closes them: that gives kafka-go back the pages of the response they were
// read into (64 KiB each), for the next fetch. Left open, the pages were
// never reused, and every fetch allocated and cleared new ones.
func copyRecord(rec *kafka.Record) (key, value []byte, err error) {
	defer closeRecord(rec)
	if key, err = readBytes(rec.Key); err != nil {
		return nil, nil, err
	}
	value, err = readBytes(rec.Value)
	return key, value, err
}

func closeRecord(rec *kafka.Record) {
	if rec.Key != nil {
		rec.Key.Close()
	}
	if rec.Value != nil {
		rec.Value.Close()
	}
}

func readBytes(b kafka.Bytes) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	buf := make([]byte, b.Len())
	_, err := io.ReadFull(b, buf)
	return buf, err
}

// handle processes batch; the caller commits it. A batch the project
// actors cannot finish in time is split in halves, the first handled and
// committed before the second is handled, until the slow record is alone;
// that record is dead-lettered after it ran out of time slowStrikes times
// while the stores answered.
func (p *partition) handle(ctx context.Context, batch []kafka.Message) error {
	for {
		reset := !p.started
		if reset {
			p.started = true
			p.replayEnd = batch[0].Offset + int64(2*p.w.cfg.MaxBatch)
		}
		err := p.w.process(ctx, batch, batch[0].Offset < p.replayEnd, reset)
		switch {
		case err == nil:
			p.strikes = 0
			return nil
		case !errors.Is(err, errSlowBatch) && !errors.Is(err, errPanicked):
			return err
		case errors.Is(err, errSlowBatch) && !p.w.storesAnswer(ctx):
			// A store that hangs rather than refuses makes every batch
			// slow: that is an outage to wait out, not a record to blame.
			p.w.log.Warn("a store does not answer; retrying the batch whole", "partition", p.id, "records", len(batch))
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(5 * time.Second):
			}
			continue
		case len(batch) > 1:
			p.w.metrics.batchSplits.Inc()
			half := len(batch) / 2
			p.w.log.Warn("batch too slow for its size, or its grouping panicked; splitting it", "partition", p.id, "records", len(batch),
				"first_offset", batch[0].Offset, "err", err)
			if err := p.handle(ctx, batch[:half]); err != nil {
				return err
			}
			if err := p.commitBatch(ctx, batch[:half]); err != nil {
				return err
			}
			return p.handle(ctx, batch[half:])
		}
		p.strikes++
		if p.strikes >= slowStrikes {
			m := batch[0]
			reason, outcome := fmt.Errorf("processing this record alone took longer than %s, %d times", p.w.callTimeout(batch), p.strikes), "processing_timeout"
			if errors.Is(err, errPanicked) {
				reason, outcome = fmt.Errorf("processing this record alone panicked %d times: %w", p.strikes, err), "processing_error"
			}
			if err := p.w.deadLetterSlow(ctx, m, reason, outcome); err != nil {
				return err
			}
			p.strikes = 0
			return nil // the batch is m alone: committing it commits past m
		}
		p.w.log.Warn("a record alone ran out of time or panicked; trying it again", "partition", p.id, "offset", batch[0].Offset,
			"strikes", p.strikes, "err", err)
	}
}
