package symbolicate

import (
	"context"
	"slices"
	"testing"

	"github.com/faultline/faultline/ingest/cputime"

	"github.com/faultline/faultline/ingest/event"
)

// benchEvent returns the 10-frame minified event and a reset that gives it
// its minified frames back before each run.
func benchEvent(b *testing.B) (*event.Event, func()) {
	e := fixtureEvent(b, "event.min.json")
	raw := slices.Clone(frames(e))
	return e, func() {
		e.Exceptions[0].Stacktrace = &event.Stacktrace{Frames: slices.Clone(raw)}
		e.Exceptions[0].RawStacktrace = nil
	}
}

// BenchmarkSymbolicateWarm is one event whose map is cached.
func BenchmarkSymbolicateWarm(b *testing.B) {
	s := NewSymbolicator(newFakeSource().withBuild(b, "app.min.js"), Options{})
	e, reset := benchEvent(b)
	ctx := context.Background()
	reset()
	s.Symbolicate(ctx, 1, e)
	b.ReportAllocs()
	defer cputime.Report(b)()
	for b.Loop() {
		reset()
		if rep := s.Symbolicate(ctx, 1, e); rep.Mapped != 10 {
			b.Fatalf("%+v", rep)
		}
	}
}

// BenchmarkSymbolicateCold is one event whose bundle and map are fetched
// (from memory here) and parsed each time, as on a cache miss.
func BenchmarkSymbolicateCold(b *testing.B) {
	src := newFakeSource().withBuild(b, "app.min.js")
	e, reset := benchEvent(b)
	ctx := context.Background()
	b.ReportAllocs()
	defer cputime.Report(b)()
	for b.Loop() {
		reset()
		s := NewSymbolicator(src, Options{})
		if rep := s.Symbolicate(ctx, 1, e); rep.Mapped != 10 {
			b.Fatalf("%+v", rep)
		}
	}
}

// BenchmarkSymbolicateMissCached is one event of a project without maps,
// its miss remembered.
func BenchmarkSymbolicateMissCached(b *testing.B) {
	s := NewSymbolicator(newFakeSource(), Options{})
	e, reset := benchEvent(b)
	ctx := context.Background()
	b.ReportAllocs()
	defer cputime.Report(b)()
	for b.Loop() {
		reset()
		s.Symbolicate(ctx, 1, e)
	}
}
