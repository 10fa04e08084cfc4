package symbolicate

import (
	"strings"
	"sync"

	"github.com/go-sourcemap/sourcemap"
)

// sourceMap is a parsed map with what frames need from it: the original
// sources split into lines for context, and the minified file's lines to
// name enclosing functions.
type sourceMap struct {
	consumer *sourcemap.Consumer
	minified []string // nil when the minified file is not known
	fromPath bool     // parsed against file://<path>: sources are paths again

	mu    sync.Mutex
	lines map[string][]string // original source → its lines, split on first use
}

func newSourceMap(c *sourcemap.Consumer, minified []byte) *sourceMap {
	m := &sourceMap{consumer: c, lines: map[string][]string{}}
	if minified != nil {
		m.minified = strings.Split(string(minified), "\n")
	}
	return m
}

// token is where a generated position comes from in the original source.
type token struct {
	source string
	name   string // the original identifier at the position, if the map names one
	line   int    // 1-based
	column int    // 1-based
}

// at maps a generated position, line and column 1-based as events carry
// them. The library takes the column 0-based and answers it 0-based.
func (m *sourceMap) at(line, column int) (token, bool) {
	if line < 1 || (m.minified != nil && line > len(m.minified)) {
		return token{}, false
	}
	source, name, srcLine, srcCol, ok := m.consumer.Source(line, max(column-1, 0))
	if !ok || source == "" {
		return token{}, false
	}
	if m.fromPath {
		source = strings.TrimPrefix(source, "file://")
	}
	return token{source: source, name: name, line: srcLine, column: srcCol + 1}, true
}

// sourceLines returns the lines of an original source, nil when the map
// does not carry its content.
func (m *sourceMap) sourceLines(source string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	lines, ok := m.lines[source]
	if !ok {
		key := source
		if m.fromPath && strings.HasPrefix(key, "/") {
			key = "file://" + key
		}
		if content := m.consumer.SourceContent(key); content != "" {
			lines = strings.Split(strings.ReplaceAll(content, "\r\n", "\n"), "\n")
		}
		m.lines[source] = lines
	}
	return lines
}

// originalName maps a minified identifier of a frame's function to its
// original name: the nearest occurrence of the identifier before the
// frame's position (its declaration, in the enclosing scope) that the map
// names. It looks back at most maxLookBack bytes.
func (m *sourceMap) originalName(ident string, line, column int) string {
	const maxLookBack = 64 << 10
	if m.minified == nil || ident == "" || line < 1 || line > len(m.minified) {
		return ""
	}
	budget := maxLookBack
	for l := line; l >= 1 && budget > 0; l-- {
		text := m.minified[l-1]
		end := len(text)
		if l == line {
			end = min(max(column-1, 0), len(text))
		}
		start := max(0, end-budget)
		budget -= end - start + 1 // the newline too: empty lines are not free
		for i := strings.LastIndex(text[start:end], ident); i >= 0; i = strings.LastIndex(text[start:start+i], ident) {
			at := start + i
			if !isWord(text, at, len(ident)) {
				continue
			}
			if name := m.nameStartingAt(l, at); name != "" {
				return name
			}
		}
	}
	return ""
}

// nameStartingAt is the name of the mapping that starts exactly at a
// generated position (column 0-based). The library also answers for
// positions inside a mapping, with the mapping's start: the position just
// before then answers the same.
func (m *sourceMap) nameStartingAt(line, column int) string {
	src, name, l, c, ok := m.consumer.Source(line, column)
	if !ok || name == "" {
		return ""
	}
	if column > 0 {
		if src2, name2, l2, c2, ok := m.consumer.Source(line, column-1); ok && src2 == src && name2 == name && l2 == l && c2 == c {
			return ""
		}
	}
	return name
}

// isWord reports whether text[at:at+n] is a whole identifier.
func isWord(text string, at, n int) bool {
	return (at == 0 || !isIdentByte(text[at-1])) && (at+n == len(text) || !isIdentByte(text[at+n]))
}

func isIdentByte(b byte) bool {
	return b == '_' || b == '$' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}
