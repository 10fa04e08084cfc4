package event

import (
	"net/url"
	"regexp"
	"strings"
)

// parameters are the variable parts of a message, replaced before grouping so
// that "user 1234 not found" and "user 5678 not found" are one issue. The
// order matters: a timestamp holds numbers, an email holds a host name.
var parameters = []struct {
	re          *regexp.Regexp
	placeholder string
	minLen      int // shorter matches are kept: "cafe" and "add1" are words, not ids
	// mayMatch is true of every string re changes (FuzzParameterize holds
	// it to that): most messages and cache keys lack what most expressions
	// need, and a byte search is far cheaper than a regexp that finds
	// nothing.
	mayMatch func(s string) bool
	// replace, when set, does what re does, without it, given placeholder
	// and minLen: numbers and hex ids are in most span descriptions, and a
	// scan finds them ten times faster.
	replace func(s, placeholder string, minLen int) string
}{
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?`), "<date>", 0,
		func(s string) bool { return strings.IndexByte(s, '-') >= 0 && strings.IndexByte(s, ':') >= 0 }, nil},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}`), "<date>", 0, func(s string) bool { return strings.IndexByte(s, '-') >= 0 }, nil},
	{regexp.MustCompile(`(?i)\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b`), "<uuid>", 0, hasHexRun8, nil},
	{regexp.MustCompile(`[\w.+-]+@[\w-]+(?:\.[\w-]+)+`), "<email>", 0, func(s string) bool { return strings.IndexByte(s, '@') >= 0 }, nil},
	{regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}\b`), "<ip>", 0, hasDigitDotDigit, nil},
	{regexp.MustCompile(`(?i)\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b`), "<ip>", 0, func(s string) bool { return strings.Count(s, ":") >= 3 }, nil},
	{regexp.MustCompile(`(?i)\b0x[0-9a-f]+\b`), "<hex>", 0, func(s string) bool { return strings.Contains(s, "0x") || strings.Contains(s, "0X") }, nil},
	{regexp.MustCompile(`(?i)\b[0-9a-f]*\d[0-9a-f]*[a-f][0-9a-f]*\b|\b[0-9a-f]*[a-f][0-9a-f]*\d[0-9a-f]*\b`), "<hex>", 8, hasHexRun8, replaceHexWords},
	// Numbers, also glued to units or names: 30s, 1.5ms, worker7.
	{regexp.MustCompile(`\d+(?:\.\d+)?`), "<int>", 0, hasDigit, replaceNumbers},
}

// parameterize replaces a message's variable parts with placeholders.
func parameterize(s string) string {
	for _, p := range parameters {
		if !p.mayMatch(s) {
			continue
		}
		if p.replace != nil {
			s = p.replace(s, p.placeholder, p.minLen)
			continue
		}
		s = p.re.ReplaceAllStringFunc(s, func(m string) string {
			if len(m) < p.minLen {
				return m
			}
			return p.placeholder
		})
	}
	return s
}

// replaceNumbers replaces each number in s, digits with an optional
// fraction, by placeholder, as the expression \d+(?:\.\d+)? matches them.
// Its row keeps matches of every length (minLen 0).
func replaceNumbers(s, placeholder string, _ int) string {
	out := splice{s: s}
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		end := digitsEnd(s, i)
		if end+1 < len(s) && s[end] == '.' && isDigit(s[end+1]) {
			end = digitsEnd(s, end+1)
		}
		out.replace(i, end, placeholder)
		i = end
	}
	return out.String()
}

// replaceHexWords replaces by placeholder each word (a run of ASCII
// letters, digits and _, as \b sees words) of minLen characters or more
// that holds only hex digits, at least one a decimal digit and one a
// letter: what the hex expression replaces.
func replaceHexWords(s, placeholder string, minLen int) string {
	out := splice{s: s}
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			i++
			continue
		}
		end, digit, letter, other := i, false, false, false
		for ; end < len(s) && isWordByte(s[end]); end++ {
			switch c := s[end]; {
			case isDigit(c):
				digit = true
			case isHex(c):
				letter = true
			default:
				other = true
			}
		}
		if digit && letter && !other && end-i >= minLen {
			out.replace(i, end, placeholder)
		}
		i = end
	}
	return out.String()
}

// hasHexRun8 reports whether s holds eight hexadecimal digits in a row, as
// a UUID or a long hex id does.
func hasHexRun8(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			run = 0
		} else if run++; run == 8 {
			return true
		}
	}
	return false
}

// hasDigitDotDigit reports whether s holds a digit, a dot and a digit in a
// row, as every IPv4 address does.
func hasDigitDotDigit(s string) bool {
	for i := strings.IndexByte(s, '.'); i >= 0; {
		if i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
			return true
		}
		next := strings.IndexByte(s[i+1:], '.')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

var (
	// Bundlers put content hashes in file names: main.3f4a5b6c.chunk.js.
	fileHash = regexp.MustCompile(`(?i)([._-])[0-9a-f]{8,}([._-])`)
	// Memory addresses in function names differ between processes.
	hexAddress = regexp.MustCompile(`(?i)0x[0-9a-f]+`)
	// Compilers number anonymous functions in the order they meet them:
	// Java's lambda$checkout$0, C#'s <Total>b__3_0.
	lambdaNumber = regexp.MustCompile(`(\$|b__)\d+(?:_\d+)*`)
)

// groupingFile reduces a frame's file to what identifies the code across
// deploys: no scheme, host or query string, no content hash.
func groupingFile(f string) string {
	if u, err := url.Parse(f); err == nil && u.Scheme != "" && u.Host != "" {
		f = u.Path
	}
	if i := strings.IndexAny(f, "?#"); i >= 0 {
		f = f[:i]
	}
	if !hasHexRun8(f) {
		return f // what fileHash needs; most paths have none
	}
	return fileHash.ReplaceAllString(f, "$1<hash>$2")
}

// groupingFunction drops what varies between runs of the same code.
func groupingFunction(fn string) string {
	switch fn {
	case "?", "<anonymous>", "Object.<anonymous>", "<unknown>":
		return ""
	}
	// Byte searches first: most function names hold neither.
	if strings.Contains(fn, "0x") || strings.Contains(fn, "0X") {
		fn = hexAddress.ReplaceAllString(fn, "<addr>")
	}
	if strings.IndexByte(fn, '$') >= 0 || strings.Contains(fn, "b__") {
		fn = lambdaNumber.ReplaceAllString(fn, "$1")
	}
	return fn
}
