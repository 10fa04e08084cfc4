package main

import (
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A heap floor lets the heap grow to a fixed size before the collector
// runs, however little of it is live. Under GOGC=100 a collection starts
// once the heap doubles its live part; a saturated server keeps only
// 40–90 MB live but allocates ~55 KB per event, so it collected about four
// times a second, and the collector took about 8% of its CPU. With the
// floor (256 MiB by default) it collects less than once a second: the
// collector's percentage is raised after each cycle so that the next one
// starts at the floor at the earliest; once the live heap passes half the
// floor the percentage is GOGC's again, so the floor never adds to the
// memory of a heap that is large on its own (a full symbolicator cache,
// hundreds of connections). A memory limit (GOMEMLIMIT, or the container's)
// still has the last word: the collector runs harder near it.
//
// Measured on the 2-core test machine at saturation, with 64 connections
// (see the README's FAULTLINE_GC_MIN_HEAP).
type heapFloor struct {
	floor   uint64 // bytes
	percent int    // GOGC's percentage, the least the floor sets

	mu      sync.Mutex
	set     int  // the percentage last set
	stopped bool // no more adjusting; the percentage is back to GOGC's
	samples []metrics.Sample
}

// activeFloor is the process's floor: starting another stops it.
var (
	activeFloorMu sync.Mutex
	activeFloor   *heapFloor
)

// startHeapFloor keeps the heap goal at floor bytes or more, from the next
// collection on. A floor of 0, or GOGC=off, leaves the collector as it is.
func startHeapFloor(floor uint64, log *slog.Logger) *heapFloor {
	activeFloorMu.Lock()
	defer activeFloorMu.Unlock()
	if activeFloor != nil {
		activeFloor.stop()
		activeFloor = nil
	}
	percent := gcPercent()
	// Within a small memory limit the floor would keep the heap pressed
	// against it, where the collector works hardest: half the limit at most.
	if limit := debug.SetMemoryLimit(-1); limit < math.MaxInt64 && floor > uint64(limit)/2 {
		floor = uint64(limit) / 2
	}
	if floor == 0 || percent < 0 {
		return nil
	}
	h := &heapFloor{floor: floor, percent: percent, set: percent, samples: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"},
		{Name: "/gc/scan/globals:bytes"},
	}}
	h.adjust()
	h.arm()
	log.Info("garbage collector heap floor", "min_heap_bytes", floor, "gc_percent_now", h.set)
	activeFloor = h
	return h
}

// arm has adjust run after the next collection: a finalizer runs once the
// cycle that found its object unreachable is over, and re-arms.
func (h *heapFloor) arm() {
	sentinel := new([16]byte) // not tiny-allocated, so its finalizer runs
	runtime.SetFinalizer(sentinel, func(*[16]byte) {
		if h.adjust() {
			h.arm()
		}
	})
}

// stop gives the collector back GOGC's percentage and stops adjusting.
func (h *heapFloor) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	debug.SetGCPercent(h.percent)
}

// adjust sets the percentage for the heap just measured: the goal is
// live + (live + stacks + globals) * percent / 100, and the percentage is
// the one that puts that goal at the floor, or GOGC's if that is higher.
// It reports whether the floor is still kept.
func (h *heapFloor) adjust() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return false
	}
	metrics.Read(h.samples)
	live := h.samples[0].Value.Uint64()
	roots := live + h.samples[1].Value.Uint64() + h.samples[2].Value.Uint64()
	p := floorPercent(h.floor, live, roots, h.percent)
	// Small changes are not worth a new goal; a change back to GOGC's always is.
	if p == h.set || (p != h.percent && math.Abs(float64(p-h.set)) < float64(h.set)/10) {
		return true
	}
	debug.SetGCPercent(p)
	h.set = p
	return true
}

// floorPercent is the collector percentage that puts the heap goal at
// floor for a live heap of live bytes and roots bytes to scan, and never
// less than base.
//
// The runtime also scales its least goal (4 MiB) by the percentage, and
// uses it before the first collection measured anything: the percentage
// is capped so that this goal stays within the floor too. Uncapped, a
// server that had not collected yet let its heap reach 2.5 GB.
func floorPercent(floor, live, roots uint64, base int) int {
	if roots == 0 || live >= floor {
		return base
	}
	p := min((floor-live)*100/roots, floor*100/runtimeMinHeap)
	return max(base, int(p))
}

// runtimeMinHeap is the Go runtime's least heap goal at GOGC=100.
const runtimeMinHeap = 4 << 20
