package actors

import (
	"context"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// byteBudget bounds the payload bytes a worker holds at once, over all the
// partitions it consumes. A partition with nothing in hand may always wait
// for room; one that already holds a batch only takes what is free, so no
// partition waits on bytes while holding bytes of its own (no deadlock).
type byteBudget struct {
	mu    sync.Mutex
	max   int64
	used  int64
	freed chan struct{} // closed and replaced whenever bytes are released
	held  prometheus.Gauge
}

func newByteBudget(max int64, held prometheus.Gauge) *byteBudget {
	return &byteBudget{max: max, freed: make(chan struct{}), held: held}
}

// acquire waits until n bytes are free (or nothing is held: a single record
// larger than the whole budget must still pass) or ctx ends.
func (b *byteBudget) acquire(ctx context.Context, n int64) error {
	for {
		b.mu.Lock()
		if b.used == 0 || b.used+n <= b.max {
			b.used += n
			b.mu.Unlock()
			return nil
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-freed:
		}
	}
}

// tryAcquire takes n bytes if they are free now.
func (b *byteBudget) tryAcquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

// adjust corrects a reservation of reserved bytes to what was really used:
// a fetch may return less than it asked for, or (one record batch larger
// than the request) a little more, which is held rather than refused.
func (b *byteBudget) adjust(reserved, used int64) {
	if used < reserved {
		b.release(reserved - used)
		return
	}
	b.mu.Lock()
	b.used += used - reserved
	b.mu.Unlock()
	b.held.Set(float64(b.inUse()))
}

func (b *byteBudget) release(n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	close(b.freed)
	b.freed = make(chan struct{})
	used := b.used
	b.mu.Unlock()
	b.held.Set(float64(used))
}

func (b *byteBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
