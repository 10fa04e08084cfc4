package frontend

import (
	"testing"
	"time"
)

func TestThrottleCountsAttemptsWhenTheyBegin(t *testing.T) {
	th := newThrottle(3, time.Minute, 100)
	now := time.Unix(1_700_000_000, 0)
	var started []*attempt
	for i := range 3 {
		at, _, ok := th.begin(now.Add(time.Duration(i)*time.Second), "account:a", "ip:1")
		if !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
		started = append(started, at)
	}
	// Three attempts in flight use up the limit before any has finished.
	if _, wait, ok := th.begin(now.Add(3*time.Second), "account:a", "ip:2"); ok || wait != 57*time.Second {
		t.Errorf("a fourth attempt on the account: ok=%v wait=%v; want refused for 57s", ok, wait)
	}
	if _, _, ok := th.begin(now.Add(3*time.Second), "account:b", "ip:1"); ok {
		t.Error("a fourth attempt from the client was allowed")
	}
	// A refused attempt counts nothing: another account from another client is free.
	if _, _, ok := th.begin(now.Add(3*time.Second), "account:b", "ip:2"); !ok {
		t.Error("an unrelated attempt was refused")
	}
	// An attempt that did not count (a right password) is taken back.
	started[1].cancel()
	if _, _, ok := th.begin(now.Add(4*time.Second), "account:a", "ip:3"); !ok {
		t.Error("after a cancelled attempt the account is still refused")
	}
	// Attempts age out of the window.
	if _, _, ok := th.begin(now.Add(2*time.Minute), "account:a", "ip:1"); !ok {
		t.Error("attempts older than the window still count")
	}
}

// Times out of order (taken before the lock by concurrent requests) keep
// the list in order, so pruning stays right.
func TestThrottleKeepsAttemptsInOrder(t *testing.T) {
	th := newThrottle(10, time.Minute, 100)
	now := time.Unix(1_700_000_000, 0)
	th.begin(now.Add(time.Second), "k")
	th.begin(now, "k")
	list := th.attempts["k"]
	if len(list) != 2 || list[1].Before(list[0]) {
		t.Errorf("attempts %v out of order", list)
	}
}

func TestThrottleForgetsKeysWhenFull(t *testing.T) {
	th := newThrottle(1, time.Minute, 2)
	now := time.Unix(1_700_000_000, 0)
	th.begin(now, "a")
	th.begin(now, "b")
	if _, _, ok := th.begin(now, "c"); !ok || len(th.attempts) > 2 {
		t.Errorf("a new key when full: ok=%v, %d keys tracked", ok, len(th.attempts))
	}
}
