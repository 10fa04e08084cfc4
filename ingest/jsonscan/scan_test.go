package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

var jsonSamples = []string{
	``, ` `, `{}`, ` {} `, `[]`, `[ ]`, `{ }`, `null`, `true`, `false`, `nul`, `truex`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`,
	`1e`, `1e+`, `1e+5`, `1E-5`, `-1.5e10`, `"s"`, `"`, `"\"`, `"\u00e9"`, `"\u00g9"`, `"\u00e"`, `"\x"`, `"\/\b\f\n\r\t\\"`,
	"\"a\tb\"", "\"\xff\xfe\"", `{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1 "b":2}`, `[1,2,]`, `[1 2]`, `[,]`,
	`{"a":[1,{"b":null}],"c":"d"}`, `{"a":{"b":{"c":[]}}}`, `}`, `]`, `[}`, `{]`, `{"a":1}}`, `[[]`, `{} {}`, `1 2`,
	"{\"a\":\n\t1\r}", `{"":""}`, `{"a":-}`, `[-0.0e-0]`, `[1.0e]`,
}

func TestValid(t *testing.T) {
	for _, s := range jsonSamples {
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("Valid(%q) = %t, json.Valid says %t", s, got, want)
		}
	}
	event := string(pythonEvent(t))
	if !Valid([]byte(event)) {
		t.Error("a Python event is not valid")
	}
	for cut := range len(event) - 1 {
		if Valid([]byte(event[:cut])) {
			t.Fatalf("the event cut after %d bytes is valid", cut)
		}
	}
}

// Nesting as deep as json.Valid allows is valid; one level more is not.
func TestValidDepth(t *testing.T) {
	for _, tc := range []struct {
		depth int
		inner string
	}{{MaxDepth, ""}, {MaxDepth + 1, ""}, {MaxDepth - 1, "[]"}, {MaxDepth, "[]"}, {MaxDepth, `{"a":1}`}} {
		doc := []byte(strings.Repeat("[", tc.depth) + tc.inner + strings.Repeat("]", tc.depth))
		if got, want := Valid(doc), json.Valid(doc); got != want {
			t.Errorf("depth %d around %q: Valid %t, json.Valid %t", tc.depth, tc.inner, got, want)
		}
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add([]byte(s))
	}
	f.Add(pythonEvent(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Fatalf("Valid(%q) = %t, json.Valid says %t", b, got, want)
		}
	})
}

func BenchmarkValid(b *testing.B) {
	event := pythonEvent(b)
	for _, v := range []struct {
		name  string
		valid func([]byte) bool
	}{{"Valid", Valid}, {"json.Valid", json.Valid}} {
		b.Run(v.name, func(b *testing.B) {
			b.SetBytes(int64(len(event)))
			b.ReportAllocs()
			for b.Loop() {
				if !v.valid(event) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// TestValidMemberFindsTheEventID: the store endpoint takes the event id from
// the scan that validates the event, as encoding/json would read it.
func TestValidMemberFindsTheEventID(t *testing.T) {
	for _, c := range []struct {
		doc  string
		want string // "" for none
	}{
		{`{"event_id":"abc"}`, `"abc"`},
		{` { "level" : "error" , "event_id" : "abc" } `, `"abc"`},
		{`{"extra":{"event_id":"inner"},"event_id":"outer"}`, `"outer"`},
		{`{"extra":{"event_id":"inner"}}`, ""},
		{`{"list":[{"event_id":"x"}],"n":1}`, ""},
		{`{"event_id":"first","event_id":"last"}`, `"last"`},
		{`{"event\u005fid":"escaped"}`, `"escaped"`},
		{`{"event_id":{"odd":[1,2]},"x":true}`, `{"odd":[1,2]}`},
		{`{"event_id":12.5e3}`, `12.5e3`},
		{`{"event_id":null}`, `null`},
		{`{"Event_ID":"other case"}`, ""},
		{`["event_id","abc"]`, ""},
	} {
		ok, got := ValidMember([]byte(c.doc), "event_id")
		if !ok || string(got) != c.want {
			t.Errorf("ValidMember(%s) = %t, %q; want true, %q", c.doc, ok, got, c.want)
		}
	}
	if ok, got := ValidMember([]byte(`{"event_id":"abc",}`), "event_id"); ok || got != nil {
		t.Errorf("an invalid document gave %t, %q", ok, got)
	}
}

// FuzzValidMember: the member ValidMember returns is the one encoding/json reads
// into a map (exact name, last one wins), and validity is json.Valid's.
func FuzzValidMember(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"event_id":"a","x":{"event_id":"b"},"event_id":[1]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ok, got := ValidMember(b, "event_id")
		if ok != json.Valid(b) {
			t.Fatalf("ValidMember(%q) valid = %t, json.Valid says %t", b, ok, !ok)
		}
		var m map[string]json.RawMessage
		if !ok || json.Unmarshal(b, &m) != nil {
			return // not an object
		}
		if want := m["event_id"]; string(got) != string(want) {
			t.Fatalf("ValidMember(%q) = %q; encoding/json reads %q", b, got, want)
		}
	})
}

// BenchmarkStoreEventID: finding the event id of a store request while
// validating it, against unmarshalling the body for it.
func BenchmarkStoreEventID(b *testing.B) {
	event := pythonEvent(b)
	b.Run("ValidMember", func(b *testing.B) {
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		for b.Loop() {
			if ok, id := ValidMember(event, "event_id"); !ok || id == nil {
				b.Fatal("no id")
			}
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		for b.Loop() {
			var head struct {
				EventID json.RawMessage `json:"event_id"`
			}
			if json.Unmarshal(event, &head) != nil || head.EventID == nil {
				b.Fatal("no id")
			}
		}
	})
}

// pythonEvent is an 11 KB error event as sentry-python sends it: 20 frames
// with context lines and variables, 8 breadcrumbs.
func pythonEvent(tb testing.TB) []byte {
	b, err := os.ReadFile("testdata/python_event.json")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// notPlain finds a quote, a backslash or a control byte at every place in
// a word, beside every other byte, and nothing in words of plain bytes.
func TestNotPlainMatchesTheByteTable(t *testing.T) {
	fill := []byte{'a', 0x20, '!', '#', '[', ']', 0x7f, 0x80, 0xff, 0xe2}
	for c := range 256 {
		for pos := range 8 {
			for _, other := range fill {
				var w [8]byte
				for i := range w {
					w[i] = other
				}
				w[pos] = byte(c)
				want := !plainInString[c]
				if got := notPlain(binary.LittleEndian.Uint64(w[:])); got != want {
					t.Fatalf("notPlain(%q) = %t, want %t", w, got, want)
				}
			}
		}
	}
}
