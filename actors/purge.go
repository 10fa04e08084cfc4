package actors

import (
	"context"
	"log/slog"
	"time"
)

// PurgeStore lists and marks deleted projects; *metadata.DB is one.
type PurgeStore interface {
	PendingPurges(ctx context.Context) ([]int64, error)
	PurgeDone(ctx context.Context, projectID int64) error
}

// RowPurger deletes rows; *analytics.Store is one.
type RowPurger interface {
	PurgeProject(ctx context.Context, projectID uint64) error
}

// Purger removes the ClickHouse rows of deleted projects in the background.
type Purger struct {
	store PurgeStore
	rows  RowPurger
	every time.Duration
	log   *slog.Logger
}

// NewPurger returns a purger that looks for work every interval.
func NewPurger(store PurgeStore, rows RowPurger, every time.Duration, log *slog.Logger) *Purger {
	return &Purger{store: store, rows: rows, every: every, log: log}
}

// Run purges until ctx ends.
func (p *Purger) Run(ctx context.Context) error {
	return everyTick(ctx, p.every, p.log, "purge failed; retrying later", p.RunOnce)
}

// everyTick runs once now and then every period until ctx ends, logging a
// failed run with failed (the next tick retries it).
func everyTick(ctx context.Context, every time.Duration, log *slog.Logger, failed string, run func(context.Context) error) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := run(ctx); err != nil && ctx.Err() == nil {
			log.Warn(failed, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce purges every pending project once.
func (p *Purger) RunOnce(ctx context.Context) error {
	ids, err := p.store.PendingPurges(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := p.rows.PurgeProject(ctx, uint64(id)); err != nil {
			return err
		}
		if err := p.store.PurgeDone(ctx, id); err != nil {
			return err
		}
		p.log.Info("deleted project's rows purged", "project", id)
	}
	return nil
}
