package main

import (
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestFloorPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name              string
		floor, live, root uint64
		base, want        int
	}{
		{"small heap: the goal is the floor", 256 * mib, 32 * mib, 34 * mib, 100, 658},
		{"half the floor live: GOGC's", 256 * mib, 128 * mib, 130 * mib, 100, 100},
		{"live past the floor: GOGC's", 256 * mib, 400 * mib, 410 * mib, 100, 100},
		{"a higher GOGC stays", 256 * mib, 100 * mib, 100 * mib, 300, 300},
		{"an empty heap: the runtime's 4 MiB least goal times the percentage is the floor", 256 * mib, 0, 1, 100, 6400},
		{"nothing measured yet", 256 * mib, 0, 0, 100, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := floorPercent(tc.floor, tc.live, tc.root, tc.base); got != tc.want {
				t.Errorf("floorPercent(%d, %d, %d, %d) = %d, want %d", tc.floor, tc.live, tc.root, tc.base, got, tc.want)
			}
		})
	}
}

// With a floor far above what is live, the collector's percentage is
// raised at once, and raised again after collections; with the floor off
// (0) or GOGC=off, it is left alone.
func TestHeapFloorRaisesTheCollectorsPercentage(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	if h := startHeapFloor(0, log); h != nil || gcPercent() != 100 {
		t.Fatalf("a floor of 0 set the percentage to %d", gcPercent())
	}
	debug.SetGCPercent(-1)
	if h := startHeapFloor(1<<30, log); h != nil || gcPercent() != -1 {
		t.Fatalf("with GOGC=off a floor set the percentage to %d", gcPercent())
	}
	debug.SetGCPercent(100)

	limit := debug.SetMemoryLimit(512 << 20)
	h := startHeapFloor(1<<30, log)
	debug.SetMemoryLimit(limit)
	if h == nil {
		t.Fatal("no floor started")
	}
	t.Cleanup(func() { h.stop() })
	if h.floor != 256<<20 {
		t.Errorf("a 1 GiB floor under a 512 MiB memory limit is %d bytes, want half the limit", h.floor)
	}
	if p := gcPercent(); p <= 100 {
		t.Fatalf("percentage %d with a 1 GiB floor over a test's heap, want more than 100", p)
	}
	// After a collection the finalizer measures again: pretend the floor
	// was met meanwhile and check that GOGC's percentage comes back.
	h.mu.Lock()
	h.floor = 1
	h.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for gcPercent() != 100 {
		if time.Now().After(deadline) {
			t.Fatalf("percentage still %d after collections with the floor met", gcPercent())
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
