package symbolicate

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/faultline/faultline/ingest/event"
)

const (
	base    = "https://shop.example.com/dist/"
	release = "shop@1.0.0"
)

// fakeSource serves files from memory and counts what it is asked.
type fakeSource struct {
	mu    sync.Mutex
	urls  map[string][]byte // release files by URL
	ids   map[string][]byte // debug id + "/" + kind
	err   error             // when set, every lookup fails with it
	calls int
	asked []string
}

func newFakeSource() *fakeSource {
	return &fakeSource{urls: map[string][]byte{}, ids: map[string][]byte{}}
}

func (f *fakeSource) ByDebugID(_ context.Context, _ int64, debugID, kind string) ([]byte, map[string]string, error) {
	return f.get("id:"+debugID+"/"+kind, f.ids[debugID+"/"+kind])
}

func (f *fakeSource) ByURL(_ context.Context, _ int64, rel, _ string, url string) ([]byte, map[string]string, error) {
	if rel != release {
		return f.get("url:"+url, nil)
	}
	return f.get("url:"+url, f.urls[url])
}

func (f *fakeSource) get(what string, b []byte) ([]byte, map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.asked = append(f.asked, what)
	switch {
	case f.err != nil:
		return nil, nil, f.err
	case b == nil:
		return nil, nil, fmt.Errorf("%s: %w", what, fs.ErrNotExist)
	}
	return b, map[string]string{}, nil
}

func (f *fakeSource) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withBuild uploads a build (app.min.js or app.ws.js) and its map for the release.
func (f *fakeSource) withBuild(t testing.TB, bundle string) *fakeSource {
	f.urls[base+bundle] = testdata(t, bundle)
	f.urls[base+bundle+".map"] = testdata(t, bundle+".map")
	return f
}

// fixtureEvent parses the event a build threw.
func fixtureEvent(t testing.TB, name string) *event.Event {
	t.Helper()
	e, err := event.Parse(testdata(t, name), event.Meta{EventID: strings.Repeat("a", 32)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func frames(e *event.Event) []event.Frame { return e.Exceptions[0].Stacktrace.Frames }

func eventFrame(function string, line, column int) event.Frame {
	return event.Frame{Function: function, Lineno: line, Colno: column}
}
