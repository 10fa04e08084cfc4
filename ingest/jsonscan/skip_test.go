package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"
)

// ValueEnd finds the end of every valid document, from its first byte.
func FuzzValueEnd(f *testing.F) {
	for _, s := range []string{`{"a":[1,"}\"]"],"b":{}}`, ` "x\\" `, `12.5e3`, `[[],{}]`, `null`, `true `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !json.Valid(doc) {
			return
		}
		start := len(doc) - len(bytes.TrimLeft(doc, " \t\r\n"))
		want := len(bytes.TrimRight(doc, " \t\r\n"))
		if got := ValueEnd(doc, start); got != want {
			t.Fatalf("ValueEnd(%q, %d) = %d, want %d", doc, start, got, want)
		}
	})
}

func TestLowerASCII(t *testing.T) {
	for s, want := range map[string]bool{"": true, "event_id": true, "a-b_9": true, "Type": false, "TYPE": false, "ſ": false, "\xff": false} {
		if got := LowerASCII([]byte(s)); got != want {
			t.Errorf("LowerASCII(%q) = %v, want %v", s, got, want)
		}
	}
}
