package actors

import (
	"context"

	"github.com/segmentio/kafka-go"
)

// batchLoop is what a consumer of this package does with its batches; both
// the worker's partitions and the outcome writer run it through consume.
type batchLoop struct {
	// fetch returns the next batch, and release, which gives back what the
	// batch holds (memory budget), or nil. An empty batch is skipped.
	fetch func(ctx context.Context) (batch []kafka.Message, release func(), err error)
	// store returns once the batch is stored for good, retrying transient
	// failures itself; an error stops the loop uncommitted.
	store func(ctx context.Context, batch []kafka.Message) error
	// commit marks the batch consumed.
	commit func(ctx context.Context, batch []kafka.Message) error
}

// consume fetches, stores and commits batches one after another: a batch
// is committed only once store returned, so a crash at any point replays
// it rather than losing it. It runs until ctx ends, which is a clean stop
// whatever the step then failing says, or until a step fails.
func consume(ctx context.Context, l batchLoop) error {
	for {
		batch, release, err := l.fetch(ctx)
		if err == nil && len(batch) > 0 {
			err = l.store(ctx, batch)
			if err == nil {
				err = l.commit(ctx, batch)
			}
		}
		if release != nil {
			release()
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}
