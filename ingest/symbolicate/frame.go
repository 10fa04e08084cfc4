package symbolicate

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/faultline/faultline/ingest/event"
)

const (
	contextLines   = 5   // lines of source each side of a mapped frame's line
	maxContextLine = 200 // bytes of one context line
)

// mappedFrame is frame f rewritten to the original source at t, named from its
// own minified function name or else from its caller's call site.
func mappedFrame(f event.Frame, r *resolution, t token, caller *token) event.Frame {
	out := f
	out.AbsPath = t.source
	out.Filename = displayName(t.source)
	out.Lineno, out.Colno = t.line, t.column
	// A module an SDK derived from the bundle's file name names the bundle,
	// not the original file.
	out.Module = ""
	out.Function = functionName(f, r.m, caller)
	out.ContextLine, out.PreContext, out.PostContext = "", nil, nil
	if lines := r.m.sourceLines(t.source); t.line <= len(lines) {
		i := t.line - 1
		out.ContextLine = clip(lines[i])
		out.PreContext = clipAll(lines[max(0, i-contextLines):i])
		out.PostContext = clipAll(lines[i+1 : min(len(lines), i+1+contextLines)])
	}
	if strings.Contains(t.source, "/node_modules/") {
		out.InApp = false
	}
	out.Data = &event.FrameData{Symbolicated: true, ResolvedWith: r.resolvedWith, Sourcemap: r.label}
	return out
}

// functionName is the original name of a frame's function. The runtime
// named the function in the minified code (say "u", or "e.render"): each
// identifier of that name is looked up where it is declared. Without the
// minified file, the caller's call site names it. An anonymous frame stays
// anonymous.
func functionName(f event.Frame, m *sourceMap, caller *token) string {
	if f.Function == "" {
		return ""
	}
	if m.minified != nil {
		renamed, any := renameIdentifiers(f.Function, func(ident string) string {
			return m.originalName(ident, f.Lineno, f.Colno)
		})
		if any {
			return renamed
		}
	}
	if caller != nil && caller.name != "" {
		return caller.name
	}
	return f.Function
}

// renameIdentifiers replaces each identifier of fn that rename knows.
func renameIdentifiers(fn string, rename func(string) string) (string, bool) {
	var b strings.Builder
	renamed := false
	for i := 0; i < len(fn); {
		j := i
		for j < len(fn) && isIdentByte(fn[j]) {
			j++
		}
		if j == i {
			b.WriteByte(fn[i])
			i++
			continue
		}
		ident := fn[i:j]
		if ident != "new" && ident != "async" && ident != "Object" && ident != "anonymous" {
			if name := rename(ident); name != "" {
				ident, renamed = name, true
			}
		}
		b.WriteString(ident)
		i = j
	}
	return b.String(), renamed
}

// displayName is the short file name of an original source: the path of a
// URL, without webpack's namespace.
func displayName(source string) string {
	u, err := url.Parse(source)
	if err != nil || u.Scheme == "" {
		return source
	}
	p := u.Path
	if u.Scheme == "webpack" {
		p = "./" + strings.TrimPrefix(strings.TrimPrefix(p, "/"), "./")
	}
	if p == "" {
		return source
	}
	return p
}

func clip(s string) string { return truncate(s, maxContextLine) }

func clipAll(lines []string) []string {
	if len(lines) == 0 {
		return nil
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = clip(l)
	}
	return out
}

// truncate cuts s to at most n bytes at a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
