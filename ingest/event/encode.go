package event

import (
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/faultline/faultline/ingest/jsonscan"
)

// AppendJSON appends the event's JSON to dst: byte for byte what
// json.Marshal(e) writes (FuzzAppendJSONAsMarshal compares them), without
// reflection and without json.Marshal's second pass over each raw value,
// which it compacts and checks again after asking it for its bytes. The
// project actor marshals every event it stores; with json.Marshal that was
// a third of an event's parse-group-marshal CPU.
//
// The struct tags stay the specification of the format: json.Marshal
// still marshals an Event (there is deliberately no MarshalJSON method).
func (e *Event) AppendJSON(dst []byte) ([]byte, error) {
	w := jsonWriter{buf: dst}
	w.open('{')
	w.str("event_id", e.EventID)
	w.time("timestamp", e.Timestamp)
	w.time("received", e.Received)
	w.str("level", e.Level)
	w.str("platform", e.Platform)
	w.optStr("logger", e.Logger)
	w.optStr("transaction", e.Transaction)
	w.optStr("server_name", e.ServerName)
	w.optStr("release", e.Release)
	w.optStr("dist", e.Dist)
	w.optStr("environment", e.Environment)
	w.optStr("message", e.Message)
	if len(e.Exceptions) > 0 {
		w.key("exception")
		w.open('[')
		for i := range e.Exceptions {
			w.elem()
			w.exception(&e.Exceptions[i])
		}
		w.close(']')
	}
	if len(e.Breadcrumbs) > 0 {
		w.key("breadcrumbs")
		w.open('[')
		for i := range e.Breadcrumbs {
			w.elem()
			w.breadcrumb(&e.Breadcrumbs[i])
		}
		w.close(']')
	}
	if len(e.Tags) > 0 {
		w.key("tags")
		w.open('[')
		for _, t := range e.Tags {
			w.elem()
			w.open('{')
			w.str("key", t.Key)
			w.str("value", t.Value)
			w.close('}')
		}
		w.close(']')
	}
	if u := e.User; u != nil {
		w.key("user")
		w.open('{')
		w.optStr("id", u.ID)
		w.optStr("email", u.Email)
		w.optStr("username", u.Username)
		w.optStr("ip_address", u.IPAddress)
		w.close('}')
	}
	w.raw("request", e.Request)
	w.raw("contexts", e.Contexts)
	w.raw("extra", e.Extra)
	w.raw("sdk", e.SDK)
	w.raw("modules", e.Modules)
	w.optStrs("fingerprint", e.Fingerprint)
	if d := e.DebugMeta; d != nil {
		w.key("debug_meta")
		w.open('{')
		if len(d.Images) > 0 {
			w.key("images")
			w.open('[')
			for _, im := range d.Images {
				w.elem()
				w.open('{')
				w.optStr("type", im.Type)
				w.optStr("debug_id", im.DebugID)
				w.optStr("code_file", im.CodeFile)
				w.close('}')
			}
			w.close(']')
		}
		w.close('}')
	}
	w.close('}')
	return w.buf, w.err
}

func (w *jsonWriter) exception(ex *Exception) {
	w.open('{')
	w.optStr("type", ex.Type)
	w.optStr("value", ex.Value)
	w.optStr("module", ex.Module)
	w.raw("mechanism", ex.Mechanism)
	w.stacktrace("stacktrace", ex.Stacktrace)
	w.stacktrace("raw_stacktrace", ex.RawStacktrace)
	w.close('}')
}

func (w *jsonWriter) stacktrace(name string, st *Stacktrace) {
	if st == nil {
		return
	}
	w.key(name)
	w.open('{')
	w.key("frames")
	if st.Frames == nil {
		w.buf = append(w.buf, "null"...)
	} else {
		w.open('[')
		for i := range st.Frames {
			w.elem()
			w.frame(&st.Frames[i])
		}
		w.close(']')
	}
	w.close('}')
}

func (w *jsonWriter) frame(f *Frame) {
	w.open('{')
	w.optStr("filename", f.Filename)
	w.optStr("abs_path", f.AbsPath)
	w.optStr("module", f.Module)
	w.optStr("package", f.Package)
	w.optStr("function", f.Function)
	w.optInt("lineno", f.Lineno)
	w.optInt("colno", f.Colno)
	w.key("in_app")
	w.buf = strconv.AppendBool(w.buf, f.InApp)
	w.optStr("context_line", f.ContextLine)
	w.optStrs("pre_context", f.PreContext)
	w.optStrs("post_context", f.PostContext)
	w.raw("vars", f.Vars)
	if d := f.Data; d != nil {
		w.key("data")
		w.open('{')
		w.key("symbolicated")
		w.buf = strconv.AppendBool(w.buf, d.Symbolicated)
		w.optStr("resolved_with", d.ResolvedWith)
		w.optStr("sourcemap", d.Sourcemap)
		w.optStr("unmapped_reason", d.UnmappedReason)
		w.close('}')
	}
	w.close('}')
}

func (w *jsonWriter) breadcrumb(b *Breadcrumb) {
	w.open('{')
	w.time("timestamp", b.Timestamp)
	w.optStr("type", b.Type)
	w.optStr("category", b.Category)
	w.optStr("level", b.Level)
	w.optStr("message", b.Message)
	w.raw("data", b.Data)
	w.close('}')
}

// jsonWriter appends a JSON value with the commas between members and
// elements; first is whether the innermost open container is still empty.
type jsonWriter struct {
	buf   []byte
	first bool
	err   error
}

// open starts an object or array: the document, a member's value after
// key, or an element after elem.
func (w *jsonWriter) open(c byte) {
	w.buf = append(w.buf, c)
	w.first = true
}

func (w *jsonWriter) close(c byte) {
	w.buf = append(w.buf, c)
	w.first = false
}

// elem starts an array element or a member: after a comma unless it is
// the first in its container.
func (w *jsonWriter) elem() {
	if !w.first {
		w.buf = append(w.buf, ',')
	}
	w.first = false
}

// key writes a member's name and colon; the value follows with no comma.
// Every name is one of this file's, none of which needs escaping: passing
// them through appendString was a tenth of writing a frame.
func (w *jsonWriter) key(name string) {
	w.elem()
	w.buf = append(w.buf, '"')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '"', ':')
}

func (w *jsonWriter) str(name, s string) {
	w.key(name)
	w.buf = appendString(w.buf, s)
}

func (w *jsonWriter) optStr(name, s string) {
	if s != "" {
		w.str(name, s)
	}
}

func (w *jsonWriter) optInt(name string, n int) {
	if n != 0 {
		w.key(name)
		w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	}
}

func (w *jsonWriter) optStrs(name string, list []string) {
	if len(list) == 0 {
		return
	}
	w.key(name)
	w.buf = append(w.buf, '[')
	for i, s := range list {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendString(w.buf, s)
	}
	w.buf = append(w.buf, ']')
}

// time writes t as time.Time's MarshalJSON does, refusing the same years.
func (w *jsonWriter) time(name string, t time.Time) {
	w.key(name)
	if y := t.Year(); y < 0 || y > 9999 {
		w.err = errors.New("json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year outside of range [0,9999]")
	}
	w.buf = append(w.buf, '"')
	w.buf = t.AppendFormat(w.buf, time.RFC3339Nano)
	w.buf = append(w.buf, '"')
}

// raw writes a raw JSON value (valid: it was cut from a validated payload)
// compacted and HTML-escaped, as json.Marshal writes a json.RawMessage.
func (w *jsonWriter) raw(name string, raw []byte) {
	if len(raw) == 0 {
		return
	}
	w.key(name)
	w.buf = appendCompact(w.buf, raw)
}

func appendCompact(dst, src []byte) []byte {
	inString := false
	start := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		if !compactStop[c] {
			continue // most bytes: copied as they are, with the run they are in
		}
		switch {
		case inString && c == '\\':
			i++ // the escaped byte is never a quote that ends the string
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			dst = append(dst, src[start:i]...)
			start = i + 1
		case c == '<' || c == '>' || c == '&':
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		case c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8:
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[src[i+2]&0xF])
			i += 2
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}

const hexDigits = "0123456789abcdef"

// compactStop are the bytes appendCompact looks at: those that start or
// end a string or an escape, whitespace, what is HTML-escaped, and the
// first byte of U+2028 and U+2029. Any other byte is copied as it is.
var compactStop = byteSet("\"\\ \t\n\r<>&\xe2")

// byteSet is a table that says, for every byte value, whether members
// holds it.
func byteSet(members string) (t [256]bool) {
	for i := 0; i < len(members); i++ {
		t[members[i]] = true
	}
	return t
}

// htmlSafe are the ASCII bytes json.Marshal writes as they are.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// mayNeedEscape reports whether a byte of w may be one appendString looks
// at: a quote or &, < or >, a backslash, a control byte or non-ASCII.
// w|4 is '&' only for '"' and '&', w|2 is '>' only for '<' and '>', and
// w - 0x20*LowBits borrows only from a byte below 0x20 (see
// jsonscan.ZeroBytes).
func mayNeedEscape(w uint64) bool {
	const low = jsonscan.LowBits
	return (jsonscan.ZeroBytes((w|0x04*low)^'&'*low)|jsonscan.ZeroBytes((w|0x02*low)^'>'*low)|
		jsonscan.ZeroBytes(w^'\\'*low)|(w-0x20*low)&^w|w)&jsonscan.HighBits != 0
}

// stringWord is s[i:i+8] as a little-endian word; the compiler makes it
// one load.
func stringWord(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// appendString writes s as a JSON string as json.Marshal does: HTML
// characters, U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && !mayNeedEscape(stringWord(s, i)) {
			i += 8
		}
		if i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
