package jsonscan

// ValueEnd returns the index just past the JSON value that starts at b[i].
// The value must be valid (as Valid checks): ValueEnd only skips strings
// and counts brackets, which costs far less than checking. On invalid input
// it may stop early or index past b.
func ValueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return SkipString(b, i+1)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch b[i] {
			case '"':
				i = SkipString(b, i+1) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// SkipString returns the index just past the closing quote of the valid
// JSON string whose contents include b[i].
func SkipString(b []byte, i int) int {
	for ; b[i] != '"'; i++ {
		if b[i] == '\\' {
			i++
		}
	}
	return i + 1
}

// LowerASCII reports whether s has neither an upper-case ASCII letter nor
// a byte past ASCII, so that folding its case changes nothing: encoding/json
// matches such an object key to a field of the same bytes only, where it
// matches others to fields without regard to case.
func LowerASCII(s []byte) bool {
	for _, c := range s {
		if c >= 0x80 || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}
