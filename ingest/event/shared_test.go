package event

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// within reports whether part lies in whole's memory.
func within(part, whole []byte) bool {
	if len(part) == 0 || len(whole) == 0 {
		return false
	}
	p, start := uintptr(unsafe.Pointer(&part[0])), uintptr(unsafe.Pointer(&whole[0]))
	return p >= start && p+uintptr(len(part)) <= start+uintptr(len(whole))
}

// bytesOf is s's memory, not a copy.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// A parsed event's plain strings and kept objects are the payload's bytes,
// not copies: copying them was half of what a worker allocated per event.
func TestParsedEventSharesThePayload(t *testing.T) {
	payload := largePythonEvent()
	m := workerMeta
	m.KeepSensitiveData = true // the scrubber rewrites what may hold a secret
	e, err := Parse(payload, m)
	if err != nil {
		t.Fatal(err)
	}
	f := e.Exceptions[0].Stacktrace.Frames[0]
	for name, b := range map[string][]byte{"a frame's file": bytesOf(f.Filename), "its function": bytesOf(f.Function),
		"its context line": bytesOf(f.ContextLine), "its next line": bytesOf(f.PostContext[0]), "the release": bytesOf(e.Release),
		"a tag's value": bytesOf(e.Tags[0].Value), "the contexts": e.Contexts, "a frame's variables": f.Vars} {
		if !within(b, payload) {
			t.Errorf("%s (%.40q) is a copy, not the payload's bytes", name, b)
		}
	}

	// Appending to a kept object must not write over the payload after it.
	before := string(payload)
	_ = append(e.Contexts, ",garbage"...)
	_ = append(e.Exceptions[0].Stacktrace.Frames[0].Vars, ",garbage"...)
	if string(payload) != before {
		t.Fatal("an append to a parsed object wrote over the payload")
	}
}

// manyCrumbs is an event with n breadcrumbs, as many as the Python SDK
// keeps by default when n is 100.
func manyCrumbs(n int) []byte {
	crumbs := make([]string, n)
	for i := range crumbs {
		crumbs[i] = fmt.Sprintf(`{"timestamp":%d,"type":"default","category":"query","message":"SELECT %d"}`, 1764000000+i, i)
	}
	return []byte(`{"message":"m","breadcrumbs":{"values":[` + strings.Join(crumbs, ",") + `]}}`)
}

// The allocations of a parse guard the sharing above and the lists sized
// once: a worker's garbage collector runs for them. With its strings
// copied, the 10 KB Python event allocated 449 objects (now about 190);
// the 100 breadcrumbs took 12, 7 of them for a list that grew.
func TestParseAllocatesLittle(t *testing.T) {
	for _, c := range []struct {
		name    string
		payload []byte
		most    float64
	}{
		{"python", largePythonEvent(), 200},
		{"100 breadcrumbs", manyCrumbs(100), 8},
	} {
		allocs := testing.AllocsPerRun(50, func() {
			if _, err := Parse(c.payload, workerMeta); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("%s: %.0f allocations per parse of %d bytes", c.name, allocs, len(c.payload))
		if allocs > c.most {
			t.Errorf("a parse of the %s event (%d bytes) allocated %.0f objects, want at most %.0f", c.name, len(c.payload), allocs, c.most)
		}
	}
}

// framesOf reads decoded wire frames as Frames, which holds only while
// the two types agree field for field: name, offset, size and the kind of
// memory (a string for a text, a slice of strings for a list of texts).
func TestWireFramesAreFrames(t *testing.T) {
	wire, model := reflect.TypeFor[wireFrame](), reflect.TypeFor[Frame]()
	if wire.Size() != model.Size() || wire.NumField() != model.NumField() {
		t.Fatalf("wireFrame has %d fields in %d bytes, Frame %d in %d", wire.NumField(), wire.Size(), model.NumField(), model.Size())
	}
	for i := range wire.NumField() {
		w, m := wire.Field(i), model.Field(i)
		if w.Name != m.Name || w.Offset != m.Offset || w.Type.Size() != m.Type.Size() || !sameMemory(w.Type, m.Type) {
			t.Errorf("field %d: wireFrame.%s %s at %d, Frame.%s %s at %d", i, w.Name, w.Type, w.Offset, m.Name, m.Type, m.Offset)
		}
	}
}

func sameMemory(a, b reflect.Type) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Slice, reflect.Pointer:
		return a.Elem() == b.Elem() || sameMemory(a.Elem(), b.Elem())
	case reflect.Struct:
		return a == b
	}
	return true
}

// Symbolication sets a frame's data; a payload never does.
func TestFrameDataIsNotReadFromThePayload(t *testing.T) {
	payload := []byte(`{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"function":"f","data":{"symbolicated":true,"sourcemap":"x"}}]}}]}}`)
	e, err := Parse(payload, Meta{EventID: "0123456789abcdef0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	if f := e.Exceptions[0].Stacktrace.Frames[0]; f.Function != "f" || f.Data != nil {
		t.Fatalf("frame = %+v, want function f and no data", f)
	}
}
