package frontend

import (
	"sync"
	"time"
)

// throttle counts failed logins per key (an account, an IP) in a sliding
// window and refuses further attempts past a limit. It is per process.
type throttle struct {
	limit  int
	window time.Duration
	max    int // keys tracked at most; when full, the oldest failures go first

	mu       sync.Mutex
	failures map[string][]time.Time
}

func newThrottle(limit int, window time.Duration, max int) *throttle {
	return &throttle{limit: limit, window: window, max: max, failures: map[string][]time.Time{}}
}

// blocked reports whether key has used up its attempts, and for how long.
func (t *throttle) blocked(key string, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.prune(key, now)
	if len(recent) < t.limit {
		return false, 0
	}
	return true, recent[0].Add(t.window).Sub(now)
}

// fail records a failed attempt.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.failures[key]; !ok && len(t.failures) >= t.max {
		for k := range t.failures {
			if len(t.prune(k, now)) == 0 {
				delete(t.failures, k)
			}
		}
		if len(t.failures) >= t.max {
			t.failures = map[string][]time.Time{}
		}
	}
	t.failures[key] = append(t.prune(key, now), now)
}

// reset forgets a key's failures, after a successful login.
func (t *throttle) reset(key string) {
	t.mu.Lock()
	delete(t.failures, key)
	t.mu.Unlock()
}

func (t *throttle) prune(key string, now time.Time) []time.Time {
	list := t.failures[key]
	i := 0
	for i < len(list) && !list[i].After(now.Add(-t.window)) {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(t.failures, key)
	} else {
		t.failures[key] = list
	}
	return list
}
