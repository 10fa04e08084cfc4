package symbolicate

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/event"
)

// The functions of the fixture's stack, oldest first; the third frame is
// the anonymous arrow function runQueue hands to Array.map.
var wantFunctions = []string{"start", "runQueue", "", "dispatch", "onSubmit", "handleCheckout", "renderSummary", "priceOrder", "applyDiscount", "lookupCoupon"}

func TestMapsBothBuildsToTheOriginalSource(t *testing.T) {
	for _, build := range []string{"min", "ws"} {
		t.Run(build, func(t *testing.T) {
			s := NewSymbolicator(newFakeSource().withBuild(t, "app."+build+".js"), Options{})
			e := fixtureEvent(t, "event."+build+".json")
			raw := slices.Clone(frames(e))
			rep := s.Symbolicate(context.Background(), 1, e)
			if rep.Mapped != 10 || rep.Looked != 10 || rep.Skipped != 0 || rep.TimedOut {
				t.Fatalf("report %+v, want all 10 frames mapped", rep)
			}
			got := frames(e)
			var functions []string
			for _, f := range got {
				functions = append(functions, f.Function)
			}
			if !slices.Equal(functions, wantFunctions) {
				t.Errorf("functions = %q, want %q", functions, wantFunctions)
			}
			top := got[len(got)-1]
			if top.AbsPath != "https://shop.example.com/src/cart.ts" || top.Filename != "/src/cart.ts" || top.Lineno != 21 || top.Colno != 11 {
				t.Errorf("crash site = %s (%s) %d:%d, want https://shop.example.com/src/cart.ts (/src/cart.ts) 21:11", top.AbsPath, top.Filename, top.Lineno, top.Colno)
			}
			if top.ContextLine != "    throw new CouponError(code);" || len(top.PreContext) != 5 || len(top.PostContext) != 5 ||
				top.PreContext[4] != "  if (rate === undefined) {" || top.PostContext[0] != "  }" {
				t.Errorf("context = %q / %q / %q", top.PreContext, top.ContextLine, top.PostContext)
			}
			if d := top.Data; d == nil || !d.Symbolicated || d.ResolvedWith != "release" || d.Sourcemap != base+"app."+build+".js.map" || d.UnmappedReason != "" {
				t.Errorf("data = %+v", d)
			}
			if caller := got[len(got)-2]; caller.Filename != "/src/cart.ts" || caller.Lineno != 30 || caller.ContextLine != "  const rate = lookupCoupon(code);" {
				t.Errorf("caller = %s %d %q", caller.Filename, caller.Lineno, caller.ContextLine)
			}
			if e.Exceptions[0].RawStacktrace == nil || !slices.EqualFunc(e.Exceptions[0].RawStacktrace.Frames, raw, framesEqual) {
				t.Errorf("raw_stacktrace does not hold the frames as they came")
			}
		})
	}
}

func framesEqual(a, b event.Frame) bool {
	return a.AbsPath == b.AbsPath && a.Lineno == b.Lineno && a.Colno == b.Colno && a.Function == b.Function && a.Data == nil && b.Data == nil
}

// The same bug in two differently minified builds is one issue.
func TestBothBuildsGroupTogether(t *testing.T) {
	src := newFakeSource().withBuild(t, "app.min.js").withBuild(t, "app.ws.js")
	s := NewSymbolicator(src, Options{})
	min, ws := fixtureEvent(t, "event.min.json"), fixtureEvent(t, "event.ws.json")
	if event.Group(min).Fingerprint == event.Group(ws).Fingerprint {
		t.Fatal("the minified events already group together: the fixtures prove nothing")
	}
	s.Symbolicate(context.Background(), 1, min)
	s.Symbolicate(context.Background(), 1, ws)
	gm, gw := event.Group(min), event.Group(ws)
	if gm.Fingerprint != gw.Fingerprint {
		t.Fatalf("fingerprints differ after symbolication:\n%+v\n%+v", frames(min), frames(ws))
	}
	if gm.Culprit != "/src/cart.ts in lookupCoupon" {
		t.Errorf("culprit = %q", gm.Culprit)
	}
}

func TestUnmappedFramesSayWhy(t *testing.T) {
	bundle := testdata(t, "app.min.js")
	cases := []struct {
		name         string
		urls         map[string][]byte
		release      string
		lineno       int
		reason, with string
		sourcemap    string
	}{
		{"nothing uploaded", nil, release, 0, "no_bundle", "", ""},
		{"no release", map[string][]byte{base + "app.min.js": bundle}, "", 0, "no_bundle", "", ""},
		{"bundle without its map", map[string][]byte{base + "app.min.js": bundle}, release, 0, "no_sourcemap", "release", base + "app.min.js.map"},
		{"line out of range", map[string][]byte{base + "app.min.js": bundle, base + "app.min.js.map": testdata(t, "app.min.js.map")}, release, 7, "line_out_of_range", "release", base + "app.min.js.map"},
		{"map is not JSON", map[string][]byte{base + "app.min.js": bundle, base + "app.min.js.map": []byte(`{"version":3,"mappings":`)}, release, 0, "invalid_sourcemap", "release", base + "app.min.js.map"},
		{"map of another version", map[string][]byte{base + "app.min.js.map": []byte(`{"version":2}`)}, release, 0, "invalid_sourcemap", "release", base + "app.min.js.map"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := newFakeSource()
			src.urls = c.urls
			e := fixtureEvent(t, "event.min.json")
			e.Release = c.release
			if c.lineno != 0 {
				for i := range frames(e) {
					frames(e)[i].Lineno = c.lineno
				}
			}
			before := slices.Clone(frames(e))
			rep := NewSymbolicator(src, Options{}).Symbolicate(context.Background(), 1, e)
			if rep.Mapped != 0 || rep.Looked != 10 || e.Exceptions[0].RawStacktrace != nil {
				t.Fatalf("report %+v, raw_stacktrace %v: want 10 frames looked at, none mapped, no raw_stacktrace", rep, e.Exceptions[0].RawStacktrace)
			}
			for i, f := range frames(e) {
				want := event.FrameData{UnmappedReason: c.reason, ResolvedWith: c.with, Sourcemap: c.sourcemap}
				if f.Data == nil || *f.Data != want {
					t.Fatalf("frame %d data = %+v, want %+v", i, f.Data, want)
				}
				f.Data = nil
				if !framesEqual(f, before[i]) || f.ContextLine != before[i].ContextLine {
					t.Fatalf("frame %d changed: %+v", i, f)
				}
			}
		})
	}
}

func TestInlineDataURLMap(t *testing.T) {
	bundle := string(testdata(t, "app.min.js"))
	inline := "data:application/json;charset=utf-8;base64," + base64.StdEncoding.EncodeToString(testdata(t, "app.min.js.map"))
	bundle = strings.Replace(bundle, "sourceMappingURL=app.min.js.map", "sourceMappingURL="+inline, 1)
	src := newFakeSource()
	src.urls[base+"app.min.js"] = []byte(bundle)
	e := fixtureEvent(t, "event.min.json")
	if rep := NewSymbolicator(src, Options{}).Symbolicate(context.Background(), 1, e); rep.Mapped != 10 {
		t.Fatalf("report %+v, want 10 frames mapped", rep)
	}
	top := frames(e)[9]
	if top.Function != "lookupCoupon" || top.Lineno != 21 || top.Data.ResolvedWith != "sourcemap-url" || !strings.HasPrefix(top.Data.Sourcemap, "data:application/json") || len(top.Data.Sourcemap) > 70 {
		t.Fatalf("top frame %s:%d %+v", top.Function, top.Lineno, top.Data)
	}
}

func TestSourceMapHeaderWinsOverTheComment(t *testing.T) {
	if got := sourceMappingURL(map[string]string{"sourcemap": "maps/app.js.map"}, []byte("x\n//# sourceMappingURL=app.js.map\n")); got != "maps/app.js.map" {
		t.Errorf("header: %q", got)
	}
	if got := sourceMappingURL(nil, []byte("x\n//# sourceMappingURL=app.js.map  \n")); got != "app.js.map" {
		t.Errorf("comment: %q", got)
	}
	if got := resolveURL(base+"app.min.js", "../maps/app.map"); got != "https://shop.example.com/maps/app.map" {
		t.Errorf("resolved: %q", got)
	}
}

func TestDebugIDWinsOverRelease(t *testing.T) {
	const id = "c941d872-b1f3-4e0a-9a5b-5d1b2a7ea6e7"
	for _, withMinified := range []bool{true, false} {
		src := newFakeSource()
		src.ids[id+"/source_map"] = testdata(t, "app.min.js.map")
		if withMinified {
			src.ids[id+"/minified_source"] = testdata(t, "app.min.js")
		}
		e := fixtureEvent(t, "event.min.json")
		e.Release = ""
		e.DebugMeta = &event.DebugMeta{Images: []event.DebugImage{{Type: "sourcemap", DebugID: strings.ToUpper(id), CodeFile: base + "app.min.js"}}}
		if rep := NewSymbolicator(src, Options{}).Symbolicate(context.Background(), 1, e); rep.Mapped != 10 {
			t.Fatalf("report %+v, want 10 frames mapped", rep)
		}
		var functions []string
		for _, f := range frames(e) {
			functions = append(functions, f.Function)
			if f.Data.ResolvedWith != "debug-id" || f.Data.Sourcemap != id {
				t.Fatalf("data = %+v", f.Data)
			}
		}
		want := wantFunctions
		if !withMinified {
			// Named from their callers' call sites; the oldest frame has none.
			want = []string{"u", "runQueue", "", "dispatch", "onSubmit", "handleCheckout", "renderSummary", "priceOrder", "applyDiscount", "lookupCoupon"}
		}
		if !slices.Equal(functions, want) {
			t.Errorf("with minified source %v: functions = %q, want %q", withMinified, functions, want)
		}
	}
}

func TestOnlyJavaScriptFramesAreLookedAt(t *testing.T) {
	src := newFakeSource()
	e := &event.Event{Platform: "python", Release: release, Exceptions: []event.Exception{{Type: "E", Stacktrace: &event.Stacktrace{Frames: []event.Frame{
		{AbsPath: "/srv/app/views.py", Lineno: 3},
		{AbsPath: "https://cdn.example.com/app.mjs?v=2", Lineno: 1, Colno: 5},
	}}}}}
	rep := NewSymbolicator(src, Options{}).Symbolicate(context.Background(), 1, e)
	if rep.Looked != 1 || frames(e)[0].Data != nil || frames(e)[1].Data == nil {
		t.Fatalf("report %+v, frames %+v: want only the .mjs frame looked at", rep, frames(e))
	}
	node := &event.Event{Platform: "node", Release: release, Exceptions: []event.Exception{{Type: "E", Stacktrace: &event.Stacktrace{Frames: []event.Frame{
		{AbsPath: "node:internal/modules/cjs/loader", Lineno: 3}, {AbsPath: "<anonymous>", Lineno: 1}, {AbsPath: "/srv/app/dist/main", Lineno: 1},
	}}}}}
	if rep := NewSymbolicator(src, Options{}).Symbolicate(context.Background(), 1, node); rep.Looked != 1 || frames(node)[2].Data == nil {
		t.Fatalf("report %+v: want only the app's frame looked at", rep)
	}
}

func TestMissesAreCachedForAWhile(t *testing.T) {
	src := newFakeSource()
	s := NewSymbolicator(src, Options{MissTTL: time.Minute})
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	s.Symbolicate(context.Background(), 1, fixtureEvent(t, "event.min.json"))
	first := src.callCount()
	if first == 0 || first > 2 {
		t.Fatalf("%d lookups for one file's frames, want the bundle and its map looked up once", first)
	}
	s.Symbolicate(context.Background(), 1, fixtureEvent(t, "event.min.json"))
	if src.callCount() != first {
		t.Fatalf("a second event asked the source again: %d lookups", src.callCount())
	}
	s.Symbolicate(context.Background(), 2, fixtureEvent(t, "event.min.json"))
	if src.callCount() != 2*first {
		t.Fatalf("another project must not share the miss: %d lookups", src.callCount())
	}
	now = now.Add(61 * time.Second)
	s.Symbolicate(context.Background(), 1, fixtureEvent(t, "event.min.json"))
	if src.callCount() != 3*first {
		t.Fatalf("an expired miss was not looked up again: %d lookups", src.callCount())
	}
}

func TestSourceFailuresLeaveFramesAlone(t *testing.T) {
	src := newFakeSource().withBuild(t, "app.min.js")
	src.err = errors.New("connection refused")
	s := NewSymbolicator(src, Options{})
	e := fixtureEvent(t, "event.min.json")
	rep := s.Symbolicate(context.Background(), 1, e)
	if rep.Looked != 0 || rep.Skipped != 10 || e.Exceptions[0].RawStacktrace != nil || frames(e)[9].Data != nil {
		t.Fatalf("report %+v: want every frame skipped and left alone", rep)
	}
	src.err = nil // not cached: the next event maps
	if rep := s.Symbolicate(context.Background(), 1, fixtureEvent(t, "event.min.json")); rep.Mapped != 10 {
		t.Fatalf("report %+v after the source recovered", rep)
	}
}

func TestMaxFramesTakesTheNewestFirst(t *testing.T) {
	e := fixtureEvent(t, "event.min.json")
	rep := NewSymbolicator(newFakeSource().withBuild(t, "app.min.js"), Options{MaxFrames: 3}).Symbolicate(context.Background(), 1, e)
	if rep.Mapped != 3 || rep.Skipped != 7 {
		t.Fatalf("report %+v, want 3 mapped and 7 skipped", rep)
	}
	if f := frames(e); f[9].Function != "lookupCoupon" || f[6].Data != nil || f[6].Function != "a" {
		t.Fatalf("frames %+v", f)
	}
}

func TestCacheStaysWithinItsBytes(t *testing.T) {
	src := newFakeSource().withBuild(t, "app.min.js")
	mapBytes := int64(len(testdata(t, "app.min.js.map")))
	s := NewSymbolicator(src, Options{CacheBytes: 5 * mapBytes})
	for project := int64(1); project <= 10; project++ {
		s.Symbolicate(context.Background(), project, fixtureEvent(t, "event.min.json"))
	}
	n, weight := s.cache.size()
	if weight > 5*mapBytes || n == 0 || n >= 10 {
		t.Fatalf("cache holds %d entries of %d bytes, bound %d", n, weight, 5*mapBytes)
	}
	calls := src.callCount()
	s.Symbolicate(context.Background(), 10, fixtureEvent(t, "event.min.json")) // the newest stays
	if src.callCount() != calls {
		t.Fatalf("the most recent map was evicted")
	}
	s.Symbolicate(context.Background(), 1, fixtureEvent(t, "event.min.json")) // the oldest went
	if src.callCount() == calls {
		t.Fatalf("the oldest map was not evicted")
	}
}

// The library takes generated lines 1-based and columns 0-based, and
// answers original lines 1-based and columns 0-based; events count both
// from 1.
func TestPositionsAreOneBased(t *testing.T) {
	// Generated column 0 maps to a.js 1:1; generated column 4 to a.js 2:3, named "found".
	raw := []byte(`{"version":3,"sources":["a.js"],"names":["found"],"mappings":"AAAA,IACEA"}`)
	r := parse("https://x.example/app.js", raw, nil, "release", "m")
	if r.m == nil {
		t.Fatal(r.reason)
	}
	for _, c := range []struct{ col, line, wantCol int }{{1, 1, 1}, {4, 1, 1}, {5, 2, 3}, {9, 2, 3}} {
		tok, ok := r.m.at(1, c.col)
		if !ok || tok.line != c.line || tok.column != c.wantCol || tok.source != "https://x.example/a.js" {
			t.Errorf("1:%d mapped to %+v (%v), want a.js %d:%d", c.col, tok, ok, c.line, c.wantCol)
		}
	}
	if tok, _ := r.m.at(1, 5); tok.name != "found" {
		t.Errorf("name = %q", tok.name)
	}
	if _, ok := r.m.at(2, 1); ok {
		t.Error("line 2 has no mappings but mapped")
	}
}

func TestConcurrentEventsShareTheCache(t *testing.T) {
	s := NewSymbolicator(newFakeSource().withBuild(t, "app.min.js").withBuild(t, "app.ws.js"), Options{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			name := []string{"event.min.json", "event.ws.json"}[i%2]
			if rep := s.Symbolicate(context.Background(), int64(i%3), fixtureEvent(t, name)); rep.Mapped != 10 {
				t.Errorf("%s: %+v", name, rep)
			}
		})
	}
	wg.Wait()
}

func TestOriginalFileNames(t *testing.T) {
	for source, want := range map[string]string{
		"https://shop.example.com/src/app.ts": "/src/app.ts",
		"webpack:///./src/app.tsx":            "./src/app.tsx",
		"webpack://shop/src/app.tsx":          "./src/app.tsx",
		"app:///dist/../src/server.ts":        "/dist/../src/server.ts",
		"/srv/app/src/server.ts":              "/srv/app/src/server.ts",
		"../src/relative.ts":                  "../src/relative.ts",
	} {
		if got := displayName(source); got != want {
			t.Errorf("displayName(%q) = %q, want %q", source, got, want)
		}
	}
}

func TestDependenciesAreNotInApp(t *testing.T) {
	r := parse(base+"app.js", []byte(`{"version":3,"sources":["../node_modules/lib/index.js"],"names":[],"mappings":"AAAA"}`), nil, "release", "m")
	tok, ok := r.m.at(1, 1)
	if !ok {
		t.Fatal("not mapped")
	}
	if f := mappedFrame(event.Frame{InApp: true, Lineno: 1, Colno: 1}, r, tok, nil); f.InApp || f.AbsPath != "https://shop.example.com/node_modules/lib/index.js" {
		t.Fatalf("frame %+v: want a dependency, not in app", f)
	}
}
