package event

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// plainEnd stops at every quote, backslash and non-ASCII byte, wherever it
// sits among the eight bytes read at once, and at no other byte.
func TestPlainEndStopsWhereTheByteLoopWould(t *testing.T) {
	for c := range 256 {
		for at := range 19 {
			b := bytes.Repeat([]byte{'a'}, 19)
			b[at] = byte(c)
			want := len(b)
			if c == '"' || c == '\\' || c >= utf8.RuneSelf {
				want = at
			}
			if got := plainEnd(b, 0); got != want {
				t.Fatalf("byte %#x at %d: plainEnd = %d, want %d", c, at, got, want)
			}
		}
	}
}
