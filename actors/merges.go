package actors

import (
	"context"
	"log/slog"
	"time"

	"github.com/faultline/faultline/metadata"
)

// MergeStore hands out merges whose events are still to move; *metadata.DB
// is one.
type MergeStore interface {
	MoveNextMerge(ctx context.Context, move func(context.Context, metadata.MergePlan) error) (bool, error)
}

// EventMover moves events between issues; *analytics.Store is one.
// MoveEvents must copy nothing the target already holds, so a merge can
// be moved again after a crash.
type EventMover interface {
	MoveEvents(ctx context.Context, projectID uint64, from []uint64, to uint64) error
	DropEvents(ctx context.Context, projectID uint64, issues []uint64) error
}

// MergeMover moves merged issues' events to the issue they were merged
// into, in the background: the API merges in PostgreSQL and answers at
// once, and the events follow here.
type MergeMover struct {
	store  MergeStore
	events EventMover
	every  time.Duration
	log    *slog.Logger
}

// NewMergeMover returns a mover that looks for work every interval.
func NewMergeMover(store MergeStore, events EventMover, every time.Duration, log *slog.Logger) *MergeMover {
	return &MergeMover{store: store, events: events, every: every, log: log}
}

// Run moves merges until ctx ends.
func (m *MergeMover) Run(ctx context.Context) error {
	return everyTick(ctx, m.every, m.log, "moving merged events failed; retrying later", m.RunOnce)
}

// RunOnce moves every pending merge, oldest first, and stops at the first
// failure so that a later merge never overtakes an earlier one.
func (m *MergeMover) RunOnce(ctx context.Context) error {
	for {
		found, err := m.store.MoveNextMerge(ctx, m.move)
		if err != nil || !found {
			return err
		}
	}
}

// move copies the children's events to the parent, then drops the
// children's copies. Run again after a crash at any point, it copies
// only what is missing and drops what is left.
func (m *MergeMover) move(ctx context.Context, plan metadata.MergePlan) error {
	children := make([]uint64, len(plan.Children))
	for i, id := range plan.Children {
		children[i] = uint64(id)
	}
	if err := m.events.MoveEvents(ctx, uint64(plan.ProjectID), children, uint64(plan.Parent)); err != nil {
		return err
	}
	if err := m.events.DropEvents(ctx, uint64(plan.ProjectID), children); err != nil {
		return err
	}
	m.log.Info("merged issues' events moved", "merge", plan.ID, "project", plan.ProjectID, "parent", plan.Parent, "children", plan.Children)
	return nil
}
