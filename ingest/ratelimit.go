package ingest

import (
	"sync"
	"time"
)

// limiter enforces per-key rate limits with fixed windows aligned to the
// window length. It is per process: N ingest processes let through up to N
// times a key's limit.
type limiter struct {
	mu      sync.Mutex
	windows map[string]*window
	max     int // keys tracked before stale windows are dropped
}

type window struct {
	start time.Time
	per   time.Duration
	count int
}

func newLimiter(max int) *limiter {
	return &limiter{windows: map[string]*window{}, max: max}
}

// take admits n items for key under limit per period, or reports how long
// until the window that refused them ends.
func (l *limiter) take(key string, limit int, per time.Duration, n int, now time.Time) (bool, time.Duration) {
	start := now.Truncate(per)
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.windows[key]
	if w == nil || !w.start.Equal(start) || w.per != per {
		if w == nil && len(l.windows) >= l.max {
			l.dropStale(now)
		}
		w = &window{start: start, per: per}
		l.windows[key] = w
	}
	if w.count+n > limit {
		return false, start.Add(per).Sub(now)
	}
	w.count += n
	return true, 0
}

// give returns n items taken for key in the current window, when a later
// limit refused the request they were taken for.
func (l *limiter) give(key string, per time.Duration, n int, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.windows[key]; w != nil && w.per == per && w.start.Equal(now.Truncate(per)) {
		w.count = max(0, w.count-n)
	}
}

func (l *limiter) dropStale(now time.Time) {
	for k, w := range l.windows {
		if !now.Before(w.start.Add(w.per)) {
			delete(l.windows, k)
		}
	}
	if len(l.windows) >= l.max { // all current: start over rather than grow
		l.windows = map[string]*window{}
	}
}
