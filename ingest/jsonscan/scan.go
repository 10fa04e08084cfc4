// Package jsonscan checks JSON documents without decoding them, exactly as
// encoding/json would accept them, at a fraction of its cost.
package jsonscan

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
)

// Valid reports whether b is one JSON document, exactly as json.Valid does
// (which FuzzValid checks), at a fraction of its cost: json.Valid calls a
// state function for every byte, which made it the largest part of
// ingest's CPU for an event.
//
// Like json.Valid, it takes any byte from 0x20 up inside a string (invalid
// UTF-8 included) and refuses nesting deeper than 10,000.
func Valid(b []byte) bool {
	ok, _ := ValidMember(b, "")
	return ok
}

// ValidMember is Valid that also returns the raw value of the top-level
// object's member named name (the last one, as encoding/json takes), or
// nil: the legacy store endpoint reads the event id without unmarshalling
// the whole event.
func ValidMember(b []byte, name string) (ok bool, value []byte) {
	start, end := -1, -1 // the wanted value's bounds, once seen
	wanted := false      // the member just read is the wanted one
	var stackBuf [32]byte
	stack := stackBuf[:0] // the open containers: '{' or '['
	i := SkipSpace(b, 0)
	for {
		// A value starts at i.
		if i >= len(b) {
			return false, nil
		}
		if wanted {
			start, end, wanted = i, -1, false
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if len(stack) == MaxDepth {
				return false, nil
			}
			end := byte('}')
			if c == '[' {
				end = ']'
			}
			if i = SkipSpace(b, i+1); i < len(b) && b[i] == end {
				i++
				break // an empty object or array is a whole value
			}
			stack = append(stack, c)
			if c == '{' {
				at := i
				if i = member(b, i); i < 0 {
					return false, nil
				}
				wanted = name != "" && len(stack) == 1 && memberNamed(b, at, name)
			}
			continue // to the first element's value
		case c == '"':
			if i = stringEnd(b, i); i < 0 {
				return false, nil
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if i = numberEnd(b, i); i < 0 {
				return false, nil
			}
		case c == 't':
			if i = literalEnd(b, i, "true"); i < 0 {
				return false, nil
			}
		case c == 'f':
			if i = literalEnd(b, i, "false"); i < 0 {
				return false, nil
			}
		case c == 'n':
			if i = literalEnd(b, i, "null"); i < 0 {
				return false, nil
			}
		default:
			return false, nil
		}
		// A value ended before i: close containers until one goes on.
		if start >= 0 && end < 0 && len(stack) == 1 {
			end = i
		}
		for {
			i = SkipSpace(b, i)
			if len(stack) == 0 {
				if i != len(b) {
					return false, nil
				}
				if start >= 0 {
					return true, b[start:end]
				}
				return true, nil
			}
			if i >= len(b) {
				return false, nil
			}
			top := stack[len(stack)-1]
			switch c := b[i]; {
			case c == ',':
				i = SkipSpace(b, i+1)
				if top == '{' {
					at := i
					if i = member(b, i); i < 0 {
						return false, nil
					}
					wanted = name != "" && len(stack) == 1 && memberNamed(b, at, name)
				}
			case (c == '}' && top == '{') || (c == ']' && top == '['):
				stack = stack[:len(stack)-1]
				i++
				if start >= 0 && end < 0 && len(stack) == 1 {
					end = i
				}
				continue
			default:
				return false, nil
			}
			break
		}
	}
}

// MaxDepth is the deepest nesting json.Valid accepts.
const MaxDepth = 10000

// member reads an object member's name and colon starting at i and returns
// where its value starts (after any space), or -1.
func member(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = stringEnd(b, i); i < 0 {
		return -1
	}
	if i = SkipSpace(b, i); i >= len(b) || b[i] != ':' {
		return -1
	}
	return SkipSpace(b, i+1)
}

// memberNamed reports whether the member name that opens at b[i] (a
// valid string) is name, escapes decoded.
func memberNamed(b []byte, i int, name string) bool {
	raw := b[i+1 : stringEnd(b, i)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == name
	}
	var decoded string
	return json.Unmarshal(b[i:stringEnd(b, i)], &decoded) == nil && decoded == name
}

// SkipSpace returns the index of the first byte from b[i] on that is not
// JSON whitespace, or len(b).
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// plainInString are the bytes that stand for themselves in a string: all
// from 0x20 up but the quote and the backslash.
var plainInString = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// stringEnd returns the index after the string that opens at b[i], or -1.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		i = skipPlain(b, i)
		for i < len(b) && plainInString[b[i]] {
			i++
		}
		if i == len(b) {
			return -1
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			if i++; i >= len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return -1
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// skipPlain returns the start of the first eight bytes from b[i] on that
// are not all plain in a string, or of the last few bytes: strings are most
// of an event (frames' lines, messages), and eight bytes at a time take a
// third of the time one at a time did.
func skipPlain(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if notPlain(binary.LittleEndian.Uint64(b[i:])) {
			break
		}
	}
	return i
}

// Word tests, eight bytes at a time, for this package's scans and for
// the readers of what it validated.
const (
	LowBits  = 0x0101010101010101 // c*LowBits is c in every byte
	HighBits = 0x8080808080808080
)

// ZeroBytes sets a byte's high bit where x has a zero byte, and may set
// some above one, never when x has none: (x - LowBits) borrows only from a
// zero byte. XOR with c*LowBits first to find the bytes equal to c.
func ZeroBytes(x uint64) uint64 {
	return (x - LowBits) &^ x
}

// notPlain reports whether any byte of w is a quote, a backslash or below
// 0x20: (w - 0x20*LowBits) &^ w borrows only from a byte below 0x20.
func notPlain(w uint64) bool {
	return (ZeroBytes(w^'"'*LowBits)|ZeroBytes(w^'\\'*LowBits)|(w-0x20*LowBits)&^w)&HighBits != 0
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// numberEnd returns the index after the number that starts at b[i], or -1:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func numberEnd(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digitsEnd(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i++; i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		i = digitsEnd(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		if i++; i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		i = digitsEnd(b, i)
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digitsEnd(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// literalEnd returns the index after word if it starts at b[i], or -1.
func literalEnd(b []byte, i int, word string) int {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}
