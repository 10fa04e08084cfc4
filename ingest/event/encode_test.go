package event

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"
)

// appendAsMarshal fails unless AppendJSON writes exactly what json.Marshal
// writes for e, and refuses what it refuses.
func appendAsMarshal(t testing.TB, e *Event) {
	t.Helper()
	want, wantErr := json.Marshal(e)
	got, err := e.AppendJSON([]byte("prefix"))
	if (wantErr == nil) != (err == nil) {
		t.Fatalf("json.Marshal says %v, AppendJSON says %v", wantErr, err)
	}
	if wantErr != nil {
		return
	}
	if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len("prefix"):], want) {
		t.Fatalf("AppendJSON wrote\n%s\njson.Marshal writes\n%s", got, want)
	}
}

func TestAppendJSONAsMarshal(t *testing.T) {
	docs := sdkPayloads(t)
	for _, s := range decodeSamples {
		docs = append(docs, []byte(s))
	}
	docs = append(docs, largePythonEvent())
	parsed := 0
	for _, doc := range docs {
		if e, err := Parse(doc, goldenMeta); err == nil {
			appendAsMarshal(t, e)
			parsed++
		}
	}
	if parsed < 20 {
		t.Fatalf("only %d documents parsed", parsed)
	}
	hostile := "<a href='x'>&amp;</a>\u2028\u2029\x00\x01\x1f\b\f\n\r\t\"\\\xff\xfe é 😀 \u007f"
	raw := json.RawMessage(" {\n \"k\" : [ \"" + "<&>\u2028 \\\" \\u2029" + "\" , 1 ,\ttrue ] }\r\n")
	full := &Event{
		EventID: hostile, Timestamp: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		Received: time.Date(0, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)), Level: "", Platform: hostile,
		Logger: hostile, Transaction: "t", ServerName: "s", Release: "r", Dist: "d", Environment: "e", Message: hostile,
		Exceptions: []Exception{{}, {Type: hostile, Mechanism: raw, Stacktrace: &Stacktrace{}, RawStacktrace: &Stacktrace{Frames: []Frame{}}},
			{Value: "v", Stacktrace: &Stacktrace{Frames: []Frame{{}, {Filename: hostile, Lineno: -3, Colno: 1 << 40, InApp: true,
				PreContext: []string{"", hostile}, PostContext: []string{}, Vars: raw, Data: &FrameData{}},
				{Data: &FrameData{Symbolicated: true, ResolvedWith: "debug-id", Sourcemap: hostile, UnmappedReason: "x"}}}}}},
		Breadcrumbs: []Breadcrumb{{}, {Timestamp: time.Unix(1795303252, 123456789).In(time.FixedZone("y", -7200)), Data: raw, Level: hostile}},
		Tags:        []Tag{{}, {Key: hostile, Value: hostile}},
		User:        &User{}, Request: raw, Contexts: json.RawMessage("{}"), Extra: json.RawMessage{}, SDK: raw, Modules: raw,
		Fingerprint: []string{hostile, ""}, DebugMeta: &DebugMeta{Images: []DebugImage{{}, {Type: hostile}}},
	}
	appendAsMarshal(t, full)
	appendAsMarshal(t, &Event{DebugMeta: &DebugMeta{}, User: &User{ID: "1"}})
	appendAsMarshal(t, &Event{Timestamp: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	appendAsMarshal(t, &Event{Breadcrumbs: []Breadcrumb{{Timestamp: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}}})
}

func FuzzAppendJSONAsMarshal(f *testing.F) {
	addPayloadSeeds(f)
	f.Fuzz(func(t *testing.T, doc []byte) {
		if e, err := Parse(doc, goldenMeta); err == nil {
			appendAsMarshal(t, e)
		}
	})
}

// mayNeedEscape must flag every word holding a byte that appendString
// escapes or decodes (a quote, &, <, >, a backslash, a control byte,
// non-ASCII), wherever it sits and whatever surrounds it; it may flag
// others, but not a word of plain text, or the skip would never pay.
func TestMayNeedEscapeFlagsEveryByteAppendStringHandles(t *testing.T) {
	fill := []byte{'a', 0x20, '!', '%', '=', '?', '[', ']', 0x7e, 0x7f, 0x80, 0xff, 0xe2}
	for c := range 256 {
		for pos := range 8 {
			for _, other := range fill {
				var w [8]byte
				for i := range w {
					w[i] = other
				}
				w[pos] = byte(c)
				plain := c < utf8.RuneSelf && htmlSafe[c] && other < utf8.RuneSelf && htmlSafe[other]
				if got := mayNeedEscape(binary.LittleEndian.Uint64(w[:])); !plain && !got {
					t.Fatalf("mayNeedEscape(%q) = false, but appendString must look at it", w)
				}
			}
		}
	}
	for _, plain := range []string{"abcdefgh", "/usr/lib", "def main", "x = y+1;", "0123456789"[:8]} {
		if mayNeedEscape(stringWord(plain, 0)) {
			t.Errorf("mayNeedEscape(%q) = true for plain text", plain)
		}
	}
	if got, want := stringWord("\x01\x02\x03\x04\x05\x06\x07\x08", 0), binary.LittleEndian.Uint64([]byte("\x01\x02\x03\x04\x05\x06\x07\x08")); got != want {
		t.Errorf("stringWord = %#x, want %#x", got, want)
	}
}
