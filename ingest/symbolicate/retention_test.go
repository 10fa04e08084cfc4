package symbolicate

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/ingest/event"
)

// An event's strings share its payload's memory, and the cache outlives
// the event: what it keeps must be copies. Here the first event's payload
// is overwritten once it was symbolicated, as if its memory were reused;
// a second event answered from the cache must still read the debug id the
// map was found by, not the bytes written over the first payload.
func TestCachedAnswersKeepNoPartOfTheEvent(t *testing.T) {
	const id = "c941d872-b1f3-4e0a-9a5b-5d1b2a7ea6e7"
	src := newFakeSource()
	src.ids[id+"/source_map"] = testdata(t, "app.min.js.map")
	src.ids[id+"/minified_source"] = testdata(t, "app.min.js")
	s := NewSymbolicator(src, Options{})

	withID := func() []byte {
		b := testdata(t, "event.min.json")
		meta := `"debug_meta":{"images":[{"type":"sourcemap","debug_id":"` + id + `","code_file":"` + base + `app.min.js"}]},`
		return bytes.Replace(b, []byte(`"platform"`), []byte(meta+`"platform"`), 1)
	}
	parse := func(payload []byte) *event.Event {
		e, err := event.Parse(payload, event.Meta{EventID: strings.Repeat("a", 32)})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	first := withID()
	if rep := s.Symbolicate(context.Background(), 1, parse(first)); rep.Mapped != 10 {
		t.Fatalf("first event: report %+v, want 10 frames mapped", rep)
	}
	calls := src.callCount()
	for i := range first {
		first[i] = 'x'
	}
	second := parse(withID())
	if rep := s.Symbolicate(context.Background(), 1, second); rep.Mapped != 10 {
		t.Fatalf("second event: report %+v, want 10 frames mapped", rep)
	}
	if src.callCount() != calls {
		t.Fatalf("the second event was not answered from the cache: %d lookups, want %d", src.callCount(), calls)
	}
	for _, f := range frames(second) {
		if f.Data == nil || f.Data.Sourcemap != id {
			t.Fatalf("a frame answered from the cache reads %+v, want the map's debug id %s", f.Data, id)
		}
	}
}
