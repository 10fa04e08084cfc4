package queue

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// queuedWaiters is how many waiters joined the round that runs next.
func (g *groupCommitter) queuedWaiters() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.next.waiters
}

// waitFor polls cond until it holds; it fails the test after a minute, a
// guard against hanging rather than a timed assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
	}
}

// Waiters that arrive while a sync runs share the next one.
func TestGroupCommitSharesRounds(t *testing.T) {
	const n = 32
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int64
	g := newGroupCommitter(func() error {
		if calls.Add(1) == 1 {
			close(entered)
			<-release
		}
		return nil
	}, 0)
	defer g.close()

	errs := make(chan error, n)
	go func() { errs <- g.wait() }()
	<-entered
	for range n - 1 {
		go func() { errs <- g.wait() }()
	}
	waitFor(t, "the other waiters to queue", func() bool { return g.queuedWaiters() == n-1 })
	close(release)
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("%d waiters took %d syncs, want 2", n, got)
	}
}

func TestGroupCommitFailures(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		laterFails bool // a failed fsync fails every later waiter too
	}{
		{"fsync", fmt.Errorf("%w: 0.dat: input/output error", errFsync), true},
		{"open", errors.New("open 0.dat: too many open files"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 8
			entered, release := make(chan struct{}), make(chan struct{})
			var calls atomic.Int64
			g := newGroupCommitter(func() error {
				switch calls.Add(1) {
				case 1: // the first waiter's round, which the others queue behind
					close(entered)
					<-release
					return nil
				case 2:
					return tc.err
				}
				return nil
			}, 0)
			defer g.close()

			first := make(chan error, 1)
			go func() { first <- g.wait() }()
			<-entered
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range errs {
				wg.Add(1)
				go func() { defer wg.Done(); errs[i] = g.wait() }()
			}
			waitFor(t, "the waiters to queue", func() bool { return g.queuedWaiters() == n })
			close(release)
			wg.Wait()
			if err := <-first; err != nil {
				t.Fatalf("the round before the failure: %v", err)
			}
			for i, err := range errs {
				if !errors.Is(err, ErrBrokerDisk) || !errors.Is(err, tc.err) {
					t.Fatalf("waiter %d of the failed round: %v, want the round's error", i, err)
				}
			}
			err := g.wait()
			if tc.laterFails && !errors.Is(err, errFsync) {
				t.Errorf("a waiter after the failed fsync: %v, want it failed", err)
			}
			if !tc.laterFails && err != nil {
				t.Errorf("a waiter after the failed round: %v, want a new round", err)
			}
			if got, want := g.err() != nil, tc.laterFails; got != want {
				t.Errorf("sticky error set: %v, want %v", got, want)
			}
		})
	}
}

// A round starts at once when the last one is older than the gap, and no
// sooner than the gap after the last one's start otherwise, so that under
// a steady trickle of produces each fsync covers more of them.
func TestGroupCommitRoundsKeepTheirGap(t *testing.T) {
	const gap = time.Second
	var mu sync.Mutex
	var starts []time.Time
	g := newGroupCommitter(func() error {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		return nil
	}, gap)
	defer g.close()

	asked := time.Now()
	if err := g.wait(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(asked); took >= gap/2 {
		t.Errorf("the first round, after none, took %v to start: it waited for a gap", took)
	}
	if err := g.wait(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(starts) != 2 {
		t.Fatalf("%d rounds, want 2", len(starts))
	}
	if d := starts[1].Sub(starts[0]); d < gap {
		t.Errorf("the second round started %v after the first, want at least %v", d, gap)
	}
}

// Closing the committer while it waits out a gap ends the wait: close
// returns, and the waiter learns its round never ran.
func TestGroupCommitCloseEndsTheGap(t *testing.T) {
	var rounds atomic.Int64
	g := newGroupCommitter(func() error { rounds.Add(1); return nil }, time.Hour)
	if err := g.wait(); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1)
	go func() { errs <- g.wait() }()
	waitFor(t, "the waiter to queue", func() bool { return g.queuedWaiters() == 1 })
	if err := g.close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errs; !errors.Is(err, errCommitterClosed) {
		t.Errorf("the waiter of a round that never ran: %v, want %v", err, errCommitterClosed)
	}
	if got := rounds.Load(); got != 2 { // the first round, and close's own sync
		t.Errorf("%d syncs, want 2", got)
	}
}
