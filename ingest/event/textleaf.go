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
	return decodeTextAt(b, i, (*text)(unsafe.Pointer(v.UnsafeAddr())))
}

func decodeTextAt(b []byte, i int, t *text) (int, error) {
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

// decodeTextList is the decoder of a list of text (a frame's source
// context lines, a fingerprint), which decodes as sliceDecoder would
// without its pool and reflection: an event holds dozens of these lists
// of two or three lines, and those took more to handle than their lines.
func decodeTextList(b []byte, i int, v reflect.Value) (int, error) {
	// v is addressable (see decodeFunc) and a []text.
	l := (*[]text)(unsafe.Pointer(v.UnsafeAddr()))
	switch b[i] {
	case 'n':
		*l = nil
		return i + len("null"), nil
	case '[':
	default:
		return jsonscan.ValueEnd(b, i), nil // the wrong type: left as it was
	}
	if cap(*l) > 0 { // a repeated name: into the elements already there
		items, end, err := appendTexts((*l)[:0], b, i)
		if err == nil && len(items) == 0 {
			items = []text{} // [] is an empty slice, not nil
		}
		*l = items
		return end, err
	}
	var scratch [8]text
	items, end, err := appendTexts(scratch[:0], b, i)
	if err != nil {
		return end, err
	}
	*l = append(make([]text, 0, len(items)), items...) // exactly as long; [] is empty, not nil
	return end, nil
}

// appendTexts appends the texts of the array at b[i] to items.
func appendTexts(items []text, b []byte, i int) ([]text, int, error) {
	i = jsonscan.SkipSpace(b, i+1)
	for b[i] != ']' {
		var t text
		start := i
		var err error
		if i, err = decodeTextAt(b, i, &t); err == nil && i == start {
			err = errMalformed // no value here: only a malformed payload stops a walk
		}
		if err != nil {
			return items, i, err
		}
		items = append(items, t)
		if i = jsonscan.SkipSpace(b, i); b[i] == ',' {
			i = jsonscan.SkipSpace(b, i+1)
		}
	}
	return items, i + 1, nil
}
