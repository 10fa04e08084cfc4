package analytics

import (
	"context"
	"fmt"
	"time"
)

// insertSpans writes span rows, given in runs, in one INSERT, a column at
// a time: appending them row by row boxed each of a row's 13 values and
// switched on its type, 13 allocations per span, where a batch of 1,000
// transactions holds 50,000 spans.
func (s *Store) insertSpans(ctx context.Context, runs [][]SpanRow) error {
	var c spanColumns
	c.fill(runs)
	batch, err := s.conn.PrepareBatch(ctx, `INSERT INTO spans (project_id, transaction_id, trace_id, span_id,
		parent_span_id, transaction, op, description, status, start, start_ms, duration_ms, self_time_ms)`)
	if err != nil {
		return fmt.Errorf("insert spans: %w", err)
	}
	defer batch.Abort()
	n := len(c.projectID)
	for lo := 0; lo < n; lo += spanBlockRows {
		hi := min(lo+spanBlockRows, n)
		for i, column := range c.columns(lo, hi) {
			if err := batch.Column(i).Append(column); err != nil {
				return fmt.Errorf("insert spans: column %d: %w", i, err)
			}
		}
		if hi < n {
			if err := batch.Flush(); err != nil {
				return fmt.Errorf("insert %d spans: %w", n, err)
			}
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d spans: %w", len(c.projectID), err)
	}
	return nil
}

// spanBlockRows is how many span rows one block of the INSERT carries.
// clickhouse-go grows a block's column buffers from empty, and a worker's
// batch made blocks of megabytes: growing and encoding them allocated 92
// MB per 50,000 spans, and was ~9 % of the server's CPU under a load of
// transactions. Later blocks of an INSERT reuse the buffers the first one
// grew, and the server squashes the blocks of one INSERT into one part
// (min_insert_block_size_rows), as it did the single block.
const spanBlockRows = 4096

// spanColumns holds span rows column by column, in the INSERT's order.
type spanColumns struct {
	projectID                                          []uint64
	transactionID, traceID, spanID, parentSpanID, name []string
	op, description, status                            []string
	start                                              []time.Time
	startMS                                            []uint16
	durationMS, selfTimeMS                             []float64
}

func (c *spanColumns) fill(runs [][]SpanRow) {
	n := spanCount(runs)
	c.projectID, c.startMS = make([]uint64, 0, n), make([]uint16, 0, n)
	c.start, c.durationMS, c.selfTimeMS = make([]time.Time, 0, n), make([]float64, 0, n), make([]float64, 0, n)
	for _, col := range []*[]string{&c.transactionID, &c.traceID, &c.spanID, &c.parentSpanID, &c.name, &c.op, &c.description, &c.status} {
		*col = make([]string, 0, n)
	}
	for _, run := range runs {
		for _, r := range run {
			c.projectID = append(c.projectID, r.ProjectID)
			c.transactionID = append(c.transactionID, r.TransactionID)
			c.traceID = append(c.traceID, r.TraceID)
			c.spanID = append(c.spanID, r.SpanID)
			c.parentSpanID = append(c.parentSpanID, r.ParentSpanID)
			c.name = append(c.name, r.Transaction)
			c.op = append(c.op, r.Op)
			c.description = append(c.description, r.Description)
			c.status = append(c.status, r.Status)
			c.start = append(c.start, r.Start.UTC())
			c.startMS = append(c.startMS, uint16(r.Start.Nanosecond()/1e6))
			c.durationMS = append(c.durationMS, ms(r.Duration))
			c.selfTimeMS = append(c.selfTimeMS, ms(r.SelfTime))
		}
	}
}

// columns are rows lo to hi of each column, in the INSERT's order.
func (c *spanColumns) columns(lo, hi int) []any {
	return []any{c.projectID[lo:hi], c.transactionID[lo:hi], c.traceID[lo:hi], c.spanID[lo:hi], c.parentSpanID[lo:hi],
		c.name[lo:hi], c.op[lo:hi], c.description[lo:hi], c.status[lo:hi], c.start[lo:hi], c.startMS[lo:hi],
		c.durationMS[lo:hi], c.selfTimeMS[lo:hi]}
}
