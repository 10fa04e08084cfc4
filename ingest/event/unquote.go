package event

import (
	"iter"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/faultline/faultline/ingest/jsonscan"
)

// unquote decodes a JSON string literal, quotes included, that encoding/json
// has already validated, to the same string json.Unmarshal gives: invalid
// UTF-8 and unpaired surrogates become U+FFFD. Calling json.Unmarshal for
// each string leaf validated it a second time and allocated a decoder: a
// fifth of the parse cost. A string with nothing to decode is b's bytes,
// not a copy (see the package's doc).
func unquote(b []byte) string {
	s := b[1 : len(b)-1]
	plain := true
	for _, c := range s {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain || !hasEscape(s) && utf8.Valid(s) {
		return view(s)
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			r, n := unescape(s[i:])
			out = utf8.AppendRune(out, r)
			i += n
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(s[i:])
			out = utf8.AppendRune(out, r)
			i += n
		}
	}
	return string(out)
}

func hasEscape(s []byte) bool {
	for _, c := range s {
		if c == '\\' {
			return true
		}
	}
	return false
}

// unescape decodes the escape sequence s starts with, and says how many
// bytes it took. A surrogate pair written as two \u escapes is one rune.
func unescape(s []byte) (rune, int) {
	switch s[1] {
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r := hex4(s[2:6])
		if !utf16.IsSurrogate(r) {
			return r, 6
		}
		if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if pair := utf16.DecodeRune(r, hex4(s[8:12])); pair != utf8.RuneError {
				return pair, 12
			}
		}
		return utf8.RuneError, 6
	}
	return rune(s[1]), 2 // \" \\ \/
}

func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		r = r<<4 | rune(hexValue(c))
	}
	return r
}

// members yields the keys (quoted) and values of a JSON object that
// encoding/json has already validated, in order, without decoding them.
func members(obj []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, value []byte) bool) {
		i := jsonscan.SkipSpace(obj, 1)
		for i < len(obj) && obj[i] == '"' {
			keyEnd := jsonscan.ValueEnd(obj, i)
			start := jsonscan.SkipSpace(obj, jsonscan.SkipSpace(obj, keyEnd)+1) // past the colon
			end := jsonscan.ValueEnd(obj, start)
			if !yield(obj[i:keyEnd], obj[start:end]) {
				return
			}
			i = jsonscan.SkipSpace(obj, end)
			if i < len(obj) && obj[i] == ',' {
				i = jsonscan.SkipSpace(obj, i+1)
			}
		}
	}
}

// view is b as a string in b's own memory, not a copy (see the package's
// doc); an empty b is "", which keeps nothing of the payload.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// hexValue is the value of a hexadecimal digit (one isHex accepts).
func hexValue(c byte) int {
	if isDigit(c) {
		return int(c - '0')
	}
	return int(c|0x20-'a') + 10
}
