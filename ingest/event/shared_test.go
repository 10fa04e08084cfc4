package event

import (
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

// The allocations of a parse are a guard for the sharing above: a worker's
// garbage collector runs for them. The 10 KB Python event allocated 401
// objects with its strings copied; 200 is half.
func TestParseAllocatesLittle(t *testing.T) {
	payload := largePythonEvent()
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := Parse(payload, workerMeta); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.0f allocations per parse of a %d-byte event", allocs, len(payload))
	if allocs > 200 {
		t.Fatalf("a parse of the %d-byte Python event allocated %.0f objects, want at most 200", len(payload), allocs)
	}
}
