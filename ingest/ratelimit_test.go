package ingest

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := newLimiter(2)
	t0 := time.Date(2026, 11, 22, 10, 0, 10, 0, time.UTC)
	steps := []struct {
		key  string
		n    int
		at   time.Duration
		ok   bool
		wait time.Duration
	}{
		{"a", 2, 0, true, 0},
		{"a", 1, time.Second, true, 0},
		{"a", 1, 2 * time.Second, false, 48 * time.Second}, // the minute's window ends at 10:01:00
		{"b", 3, 2 * time.Second, true, 0},                 // keys do not share windows
		{"a", 1, 50 * time.Second, true, 0},                // a new window
		{"a", 5, 51 * time.Second, false, 59 * time.Second},
		{"c", 1, 51 * time.Second, true, 0}, // a third key in a two-key limiter drops stale windows
	}
	for i, s := range steps {
		ok, wait := l.take(s.key, 3, time.Minute, s.n, t0.Add(s.at))
		if ok != s.ok || wait != s.wait {
			t.Errorf("step %d: ok %v wait %s, want %v %s", i, ok, wait, s.ok, s.wait)
		}
	}
	if len(l.windows) > 2 {
		t.Errorf("limiter tracks %d keys, more than its bound of 2", len(l.windows))
	}
}
