package ingest

import (
	"encoding/json"
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

func TestValidJSON(t *testing.T) {
	for _, s := range jsonSamples {
		if got, want := validJSON([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("validJSON(%q) = %t, json.Valid says %t", s, got, want)
		}
	}
	event := pythonEvent("9ec79c33ec9942ab8353589fcb2e04dc")
	if !validJSON([]byte(event)) {
		t.Error("a Python event is not valid")
	}
	for cut := range len(event) - 1 {
		if validJSON([]byte(event[:cut])) {
			t.Fatalf("the event cut after %d bytes is valid", cut)
		}
	}
}

// Nesting as deep as json.Valid allows is valid; one level more is not.
func TestValidJSONDepth(t *testing.T) {
	for _, tc := range []struct {
		depth int
		inner string
	}{{maxJSONDepth, ""}, {maxJSONDepth + 1, ""}, {maxJSONDepth - 1, "[]"}, {maxJSONDepth, "[]"}, {maxJSONDepth, `{"a":1}`}} {
		doc := []byte(strings.Repeat("[", tc.depth) + tc.inner + strings.Repeat("]", tc.depth))
		if got, want := validJSON(doc), json.Valid(doc); got != want {
			t.Errorf("depth %d around %q: validJSON %t, json.Valid %t", tc.depth, tc.inner, got, want)
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add([]byte(s))
	}
	f.Add([]byte(pythonEvent("9ec79c33ec9942ab8353589fcb2e04dc")))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %t, json.Valid says %t", b, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	event := []byte(pythonEvent("9ec79c33ec9942ab8353589fcb2e04dc"))
	for _, v := range []struct {
		name  string
		valid func([]byte) bool
	}{{"validJSON", validJSON}, {"json.Valid", json.Valid}} {
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
