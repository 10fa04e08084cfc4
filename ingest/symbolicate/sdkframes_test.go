package symbolicate

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/ingest/event"
)

// @sentry/browser and @sentry/node 11 send a frame's URL or path as its
// filename alone, without abs_path.
func TestFramesWithOnlyAFilename(t *testing.T) {
	e := fixtureEvent(t, "event.min.json")
	for i := range frames(e) {
		f := &frames(e)[i]
		f.Filename, f.AbsPath = f.AbsPath, ""
	}
	rep := NewSymbolicator(newFakeSource().withBuild(t, "app.min.js"), Options{}).Symbolicate(context.Background(), 1, e)
	if rep.Mapped != 10 {
		t.Fatalf("report %+v, want all 10 frames mapped", rep)
	}
	if top := frames(e)[len(frames(e))-1]; top.Filename != "/src/cart.ts" || top.Function != "lookupCoupon" {
		t.Errorf("crash site %s in %s, want lookupCoupon in /src/cart.ts", top.Function, top.Filename)
	}
}

// A Node.js module's frames name it by path: its map's relative sources
// resolve against that path, as a browser's against the script's URL.
func TestNodePathsResolveSources(t *testing.T) {
	const id = "0c5d4ad8-5b3e-4c7a-9d0e-4a1e8f7b6c21"
	src := newFakeSource()
	src.ids[id+"/source_map"] = testdata(t, "app.min.js.map")
	src.ids[id+"/minified_source"] = testdata(t, "app.min.js")
	e := fixtureEvent(t, "event.min.json")
	e.Platform, e.Release = "node", ""
	const bundle = "/srv/shop/dist/app.min.js"
	for i := range frames(e) {
		f := &frames(e)[i]
		f.Filename, f.AbsPath, f.Module = bundle, "", "app.min"
	}
	e.DebugMeta = &event.DebugMeta{Images: []event.DebugImage{{Type: "sourcemap", DebugID: id, CodeFile: bundle}}}
	if rep := NewSymbolicator(src, Options{}).Symbolicate(context.Background(), 1, e); rep.Mapped != 10 {
		t.Fatalf("report %+v, want all 10 frames mapped", rep)
	}
	top := frames(e)[len(frames(e))-1]
	if top.AbsPath != "/srv/shop/src/cart.ts" || top.Filename != "/srv/shop/src/cart.ts" || top.Module != "" {
		t.Errorf("crash site in %q (%q, module %q), want /srv/shop/src/cart.ts", top.Filename, top.AbsPath, top.Module)
	}
	if !strings.Contains(top.ContextLine, "throw new CouponError(code);") || len(top.PreContext) != 5 {
		t.Errorf("context %q / %q", top.PreContext, top.ContextLine)
	}
}
