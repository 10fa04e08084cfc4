package event

import (
	"encoding/binary"
	"reflect"
	"unicode/utf8"
	"unsafe"

	"github.com/faultline/faultline/ingest/jsonscan"
)

// decodeText is text's leaf decoder. Most strings in an event are plain
// (ASCII without escapes: frames' paths and lines, names, ids), and for
// those one pass finds the end, and the text is those bytes of b, not a
// copy (see the package's doc); the rest go through jsonscan.ValueEnd and
// text's UnmarshalJSON, which scan the string again and copy it.
func decodeText(b []byte, i int, v reflect.Value) (int, error) {
	// v is addressable (see decodeFunc) and a text.
	t := (*text)(unsafe.Pointer(v.UnsafeAddr()))
	if b[i] != '"' {
		end := jsonscan.ValueEnd(b, i)
		return end, t.UnmarshalJSON(b[i:end])
	}
	end := plainEnd(b, i+1)
	if b[end] == '"' {
		*t = text(view(b[i+1 : end]))
		return end + 1, nil
	}
	// An escape or a non-ASCII byte: find the closing quote from here.
	end = jsonscan.SkipString(b, end)
	*t = text(unquote(b[i:end]))
	return end, nil
}

// plainEnd is the index of the first quote, backslash or non-ASCII byte
// from b[i] on, or len(b). It reads eight bytes at a time while none of
// them can be one.
func plainEnd(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if mayEndPlain(binary.LittleEndian.Uint64(b[i:])) {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// mayEndPlain reports whether a byte of w may be a quote, a backslash or
// non-ASCII (a non-ASCII byte has its high bit set already).
func mayEndPlain(w uint64) bool {
	return (jsonscan.ZeroBytes(w^'"'*jsonscan.LowBits)|jsonscan.ZeroBytes(w^'\\'*jsonscan.LowBits)|w)&jsonscan.HighBits != 0
}
