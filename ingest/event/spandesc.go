package event

import "strings"

// The scanners below normalize span descriptions in one pass each. They
// replaced regular expressions that cost a 50-span transaction more than
// its JSON decoding; spandesc_test.go keeps those expressions as the
// reference the scanners must agree with, byte for byte.

// replaceSQLStrings turns each single-quoted SQL literal (” escapes a
// quote) into %s. An unterminated literal ends at the last ” inside it,
// or, without one, is left as it is.
func replaceSQLStrings(sql string) string {
	if strings.IndexByte(sql, '\'') < 0 {
		return sql
	}
	out := splice{s: sql}
	for i := 0; i < len(sql); {
		if sql[i] != '\'' {
			i++
			continue
		}
		end := literalEnd(sql, i)
		if end < 0 {
			break // no quote closes it, so no later quote opens one
		}
		out.replace(i, end, "%s")
		i = end
	}
	return out.String()
}

// literalEnd is the index just past the literal opened at sql[open], or -1.
func literalEnd(sql string, open int) int {
	lastPair := -1
	for i := open + 1; i < len(sql); i++ {
		if sql[i] != '\'' {
			continue
		}
		if i+1 < len(sql) && sql[i+1] == '\'' {
			lastPair = i
			i++
			continue
		}
		return i + 1
	}
	if lastPair >= 0 {
		return lastPair + 1 // the first quote of the last pair closes it
	}
	return -1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isWordByte(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

// wordBoundary reports whether s has a word boundary before index i, as
// the regular expression \b has it (ASCII word characters).
func wordBoundary(s string, i int) bool {
	before := i > 0 && isWordByte(s[i-1])
	after := i < len(s) && isWordByte(s[i])
	return before != after
}

// digitsEnd is the index past the run of digits starting at i.
func digitsEnd(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// sqlNumberEnd is the end of a number literal (-?digits(.digits)?, on word
// boundaries) starting at i, or -1.
func sqlNumberEnd(s string, i int) int {
	if !wordBoundary(s, i) {
		return -1
	}
	from := i
	if s[i] == '-' && i+1 < len(s) && isDigit(s[i+1]) {
		from = i + 1
	}
	if !isDigit(s[from]) {
		return -1
	}
	end := digitsEnd(s, from)
	if end+1 < len(s) && s[end] == '.' && isDigit(s[end+1]) {
		if frac := digitsEnd(s, end+1); wordBoundary(s, frac) {
			return frac
		}
	}
	if wordBoundary(s, end) {
		return end
	}
	return -1
}

// replaceSQLNumbers turns SQL number literals into %s, leaving positional
// parameters ($1) alone.
func replaceSQLNumbers(sql string) string {
	out := splice{s: sql}
	for i := 0; i < len(sql); {
		// Only a digit or a minus sign starts a number: most bytes are
		// neither, and need no look at their neighbours.
		if c := sql[i]; c != '-' && !isDigit(c) {
			i++
			continue
		}
		end := sqlNumberEnd(sql, i)
		if end < 0 {
			i++
			continue
		}
		if i == 0 || sql[i-1] != '$' {
			out.replace(i, end, "%s")
		}
		i = end
	}
	return out.String()
}

func isRegexpSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

func skipRegexpSpace(s string, i int) int {
	for i < len(s) && isRegexpSpace(s[i]) {
		i++
	}
	return i
}

// placeholderEnd is the end of %s, ? or $digits at i, or -1.
func placeholderEnd(s string, i int) int {
	switch {
	case i >= len(s):
		return -1
	case s[i] == '?':
		return i + 1
	case s[i] == '%' && i+1 < len(s) && s[i+1]|0x20 == 's':
		return i + 2
	case strings.HasPrefix(s[i:], "%\u017f"): // ſ, which case folding makes an s
		return i + 3
	case s[i] == '$' && i+1 < len(s) && isDigit(s[i+1]):
		return digitsEnd(s, i+1)
	}
	return -1
}

// inListEnd is the end of "IN (p, p, ...)" starting at i, where each p is a
// placeholder, or -1.
func inListEnd(s string, i int) int {
	if i+1 >= len(s) || s[i]|0x20 != 'i' || s[i+1]|0x20 != 'n' || !wordBoundary(s, i) {
		return -1
	}
	j := skipRegexpSpace(s, i+2)
	if j >= len(s) || s[j] != '(' {
		return -1
	}
	j++
	for items := 0; ; items++ {
		k := placeholderEnd(s, skipRegexpSpace(s, j))
		if k < 0 {
			if items > 0 && j < len(s) && s[j] == ')' {
				return j + 1
			}
			return -1
		}
		j = skipRegexpSpace(s, k)
		if j < len(s) && s[j] == ',' {
			j++
		}
	}
}

// collapseInLists turns an IN list of placeholders into IN (%s), so that a
// query is one operation whatever the length of its list.
func collapseInLists(sql string) string {
	out := splice{s: sql}
	for i := 0; i < len(sql); {
		end := -1
		if sql[i]|0x20 == 'i' { // every list starts with IN; most bytes are not an I
			end = inListEnd(sql, i)
		}
		if end < 0 {
			i++
			continue
		}
		out.replace(i, end, "IN (%s)")
		i = end
	}
	return out.String()
}

// cutQuery drops a URL's query string: from the first ? of the last line.
func cutQuery(desc string) string {
	from := strings.LastIndexByte(desc, '\n') + 1
	if q := strings.IndexByte(desc[from:], '?'); q >= 0 {
		return desc[:from+q]
	}
	return desc
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

// isIDSegment reports whether a path segment is an id: digits, a UUID
// (dashes optional) or 16 hex digits or more.
func isIDSegment(seg string) bool {
	if seg == "" {
		return false
	}
	digits, hex := true, true
	for i := 0; i < len(seg); i++ {
		digits = digits && isDigit(seg[i])
		hex = hex && isHex(seg[i])
	}
	return digits || hex && len(seg) >= 16 || isUUID(seg)
}

// isUUID is 32 hex digits in groups of 8-4-4-4-12, each dash optional.
func isUUID(s string) bool {
	for _, n := range [...]int{8, 4, 4, 4, 12} {
		if len(s) < n {
			return false
		}
		for i := range n {
			if !isHex(s[i]) {
				return false
			}
		}
		s = s[n:]
		if n != 12 && s != "" && s[0] == '-' {
			s = s[1:]
		}
	}
	return s == ""
}

// starPathIDs replaces the path segments of a URL that are ids with *:
// /users/123/cards/3f2b... becomes /users/*/cards/*.
func starPathIDs(desc string) string {
	out := splice{s: desc}
	for i := 0; i < len(desc); i++ {
		if desc[i] != '/' {
			continue
		}
		end := i + 1
		for end < len(desc) && desc[end] != '/' && desc[end] != '?' {
			end++
		}
		if !isIDSegment(desc[i+1 : end]) {
			continue
		}
		out.replace(i+1, end, "*")
		i = end - 1
	}
	return out.String()
}
