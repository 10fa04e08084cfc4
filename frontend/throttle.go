package frontend

import (
	"sync"
	"time"
)

// throttle counts attempts per key (an account, an IP) in a sliding window
// and refuses further attempts past a limit. It is per process.
//
// An attempt is counted when it begins, before the slow work that decides
// it (a password hash, an email), so attempts sent all at once are refused
// like attempts sent one after another; an attempt that turns out not to
// count (a right password) is then cancelled.
type throttle struct {
	limit  int
	window time.Duration
	max    int // keys tracked at most; when full, the oldest attempts go first

	mu       sync.Mutex
	attempts map[string][]time.Time
}

func newThrottle(limit int, window time.Duration, max int) *throttle {
	return &throttle{limit: limit, window: window, max: max, attempts: map[string][]time.Time{}}
}

// attempt is one counted attempt, under each of its keys.
type attempt struct {
	t     *throttle
	keys  []string
	times []time.Time
}

// begin counts an attempt under every key at once, unless one of them has
// used up its attempts: then it counts nothing and says how long to wait.
func (t *throttle) begin(now time.Time, keys ...string) (*attempt, time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, key := range keys {
		if recent := t.prune(key, now); len(recent) >= t.limit {
			return nil, recent[0].Add(t.window).Sub(now), false
		}
	}
	a := &attempt{t: t, keys: keys, times: make([]time.Time, len(keys))}
	for i, key := range keys {
		a.times[i] = t.add(key, now)
	}
	return a, 0, true
}

// cancel takes the attempt back: it did not count (a right password, or a
// check that could not run).
func (a *attempt) cancel() {
	a.t.mu.Lock()
	defer a.t.mu.Unlock()
	for i, key := range a.keys {
		list := a.t.attempts[key]
		for j := len(list) - 1; j >= 0; j-- {
			if list[j].Equal(a.times[i]) {
				list = append(list[:j:j], list[j+1:]...)
				break
			}
		}
		a.t.set(key, list)
	}
}

// add records an attempt under key, and returns the time it recorded (kept
// in order, so pruning can stop at the first recent one).
func (t *throttle) add(key string, now time.Time) time.Time {
	if _, ok := t.attempts[key]; !ok && len(t.attempts) >= t.max {
		for k := range t.attempts {
			t.prune(k, now)
		}
		if len(t.attempts) >= t.max {
			t.attempts = map[string][]time.Time{}
		}
	}
	list := t.prune(key, now)
	if n := len(list); n > 0 && now.Before(list[n-1]) {
		now = list[n-1]
	}
	t.attempts[key] = append(list, now)
	return now
}

// reset forgets a key's attempts, after a successful login.
func (t *throttle) reset(key string) {
	t.mu.Lock()
	delete(t.attempts, key)
	t.mu.Unlock()
}

func (t *throttle) prune(key string, now time.Time) []time.Time {
	list := t.attempts[key]
	i := 0
	for i < len(list) && !list[i].After(now.Add(-t.window)) {
		i++
	}
	list = list[i:]
	t.set(key, list)
	return list
}

// set stores key's attempts, or forgets the key when there are none.
func (t *throttle) set(key string, list []time.Time) {
	if len(list) == 0 {
		delete(t.attempts, key)
	} else {
		t.attempts[key] = list
	}
}
