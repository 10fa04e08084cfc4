package actors

import (
	"context"
	"log/slog"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/prometheus/client_golang/prometheus"
)

// rowSink gathers the rows of batches that partitions finished at about the
// same time into one ClickHouse insert. Partitions are consumed in parallel,
// and ClickHouse pays per insert (each writes dozens of files): sixteen
// partitions inserting on their own would multiply the parts to merge.
type rowSink struct {
	store   EventStore
	window  time.Duration // how long the first request waits for company
	maxRows int           // an insert closes at this many rows
	timeout time.Duration // one insert's deadline
	in      chan *insertRequest
	inserts prometheus.Histogram // partition batches per insert
	log     *slog.Logger
}

type insertRequest struct {
	rows analytics.Rows
	done chan error // receives the insert's outcome, once
}

func newRowSink(store EventStore, window, timeout time.Duration, inserts prometheus.Histogram, log *slog.Logger) *rowSink {
	return &rowSink{store: store, window: window, maxRows: 20_000, timeout: timeout, in: make(chan *insertRequest), inserts: inserts, log: log}
}

// insert stores rows (together with other partitions' rows) and reports the
// outcome. A failed insert may have stored some rows: callers retry with a
// replay check, as after a crash.
func (s *rowSink) insert(ctx context.Context, rows analytics.Rows) error {
	if rows.Len() == 0 {
		return nil
	}
	req := &insertRequest{rows: rows, done: make(chan error, 1)}
	select {
	case s.in <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run serves insert requests until ctx ends. It owns no retries: each
// partition retries its own batch.
func (s *rowSink) run(ctx context.Context) {
	for {
		var first *insertRequest
		select {
		case <-ctx.Done():
			return
		case first = <-s.in:
		}
		reqs := []*insertRequest{first}
		all := analytics.Rows{}
		all.Add(first.rows)
		timer := time.NewTimer(s.window)
	gather:
		for all.Len() < s.maxRows {
			select {
			case r := <-s.in:
				reqs = append(reqs, r)
				all.Add(r.rows)
			case <-timer.C:
				break gather
			case <-ctx.Done():
				break gather
			}
		}
		timer.Stop()
		insertCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
		err := s.store.Insert(insertCtx, all)
		cancel()
		s.inserts.Observe(float64(len(reqs)))
		for _, r := range reqs {
			r.done <- err
		}
	}
}
