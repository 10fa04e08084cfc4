package main

import (
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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
// (0) or GOGC=off, it is left alone. The floor is set from the test
// process's own live heap: the package's other tests may leave hundreds of
// MB live, and a fixed floor below that rightly leaves GOGC's percentage.
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

	runtime.GC()
	live := liveHeap()
	// Under a memory limit of the floor asked for, the floor is half of
	// it, and that half is still far above what is live.
	asked := 4*live + 512<<20
	limit := debug.SetMemoryLimit(int64(asked))
	h := startHeapFloor(asked, log)
	debug.SetMemoryLimit(limit)
	if h == nil {
		t.Fatal("no floor started")
	}
	t.Cleanup(func() { h.stop() })
	if h.floor != asked/2 {
		t.Errorf("a floor of %d bytes under a memory limit of as much is %d bytes, want half the limit", asked, h.floor)
	}
	if p := gcPercent(); p <= 100 {
		t.Fatalf("percentage %d with a %d-byte floor over %d bytes live, want more than 100", p, h.floor, live)
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

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
