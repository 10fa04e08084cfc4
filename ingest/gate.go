package ingest

import (
	"context"
	"time"
)

// gate bounds how many requests decompress a body at once: each holds up
// to the envelope limit (20 MiB) and a core while it inflates, so without
// a bound a burst of compressed bodies grows memory without limit. A
// request waits at most wait for a turn, then is refused (503 with
// Retry-After), as VictoriaMetrics' writeconcurrencylimiter does.
type gate struct {
	slots chan struct{}
	wait  time.Duration
}

func newGate(n int, wait time.Duration) *gate {
	return &gate{slots: make(chan struct{}, n), wait: wait}
}

// enter takes a turn, waiting up to g.wait or until ctx ends; it reports
// whether it got one. Each turn taken is given back with leave.
func (g *gate) enter(ctx context.Context) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (g *gate) leave() { <-g.slots }
