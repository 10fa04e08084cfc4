package event

import (
	"bytes"
	"slices"
	"testing"
)

// inAny is what substrings must agree with, given the folded text: one
// search per pattern.
func inAny(text []byte, lists ...[]string) bool {
	return slices.ContainsFunc(lists, func(l []string) bool { return containsAny(text, l) })
}

// Every pattern is found at the start, inside and at the end of a text,
// and a text cut one byte short of it finds nothing.
func TestSubstringsFindEveryPattern(t *testing.T) {
	for _, p := range slices.Concat(sensitiveKeys, rawTriggers) {
		for _, text := range []string{p, `{"x":"` + p + `"}`, `"a":1,"` + p} {
			if !rawSensitive.in([]byte(text)) {
				t.Errorf("%q not found in %q", p, text)
			}
		}
		if short := `{"` + p[:len(p)-1]; !inAny([]byte(short), sensitiveKeys, rawTriggers) && rawSensitive.in([]byte(short)) {
			t.Errorf("found a pattern in %q", short)
		}
	}
	if rawSensitive.in(nil) || rawSensitive.in([]byte("a")) {
		t.Error("found a pattern in almost nothing")
	}
}

func FuzzSubstrings(f *testing.F) {
	for _, s := range scrubValueSamples {
		f.Add([]byte(s))
	}
	for _, s := range []string{"X-Api_KEY", "pass-word", "-_-", "Auth", "a_uth_", "PRIVATE-KEY"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		if got, want := rawSensitive.in(text), inAny(foldKey(nil, text), sensitiveKeys, rawTriggers); got != want {
			t.Fatalf("in(%q) = %t, separate searches of the folded text say %t", text, got, want)
		}
	})
}

// scrubValueSamples are frame variables, contexts and breadcrumb data as
// SDKs send them, none of them sensitive.
var scrubValueSamples = []string{
	`{"self":"<Checkout object at 0x7f3a0003>","order_id":"'ord_1003'","retries":1}`,
	`{"runtime":{"name":"CPython","version":"3.12.4","build":"3.12.4 (main, Jun  7 2024, 06:33:07) [GCC 12.2.0]"},"os":{"name":"Linux","version":"6.1.0"}}`,
	`{"url":"https://payments.example.com/v1/charge","method":"POST","status_code":402}`,
	`{"request":"<WSGIRequest: POST '/checkout/'>","basket_id":"1043","user":"<User: dana>","items":[{"sku":"A-1","qty":2}],"total":"129.90"}`,
}

// BenchmarkMayHoldSensitive is the scrubbing pre-check over values that
// hold nothing sensitive, as most do.
func BenchmarkMayHoldSensitive(b *testing.B) {
	var values [][]byte
	n := 0
	for _, s := range scrubValueSamples {
		values, n = append(values, []byte(s)), n+len(s)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, v := range values {
			if mayHoldSensitive(v) {
				b.Fatal(string(v))
			}
		}
	}
}

// mayHoldSensitiveInPasses is what mayHoldSensitive must agree with: each
// of its checks as a pass of its own over raw.
func mayHoldSensitiveInPasses(raw []byte) bool {
	return mayHoldCard(raw) || bytes.Contains(raw, []byte("AKIA")) || bytes.Contains(raw, []byte("ASIA")) ||
		hasUserInfo(raw) || bytes.Contains(raw, []byte(`:\/\/`)) && bytes.IndexByte(raw, '@') >= 0 || rawSensitive.in(raw)
}

// mayHoldSensitiveSamples hold one of each thing the pre-check looks for,
// and near misses of them.
var mayHoldSensitiveSamples = []string{
	`{"card":"4111 1111 1111 1111"}`, `{"n":"411111111111"}`, `"\u0034111111111111111"`, `"41111\u002011111111"`,
	`{"key_id":"AKIAIOSFODNN7EXAMPLE"}`, `"ASIA"`, `"AKI"`,
	`{"dsn":"postgres://admin:pw@db/x"}`, `{"u":"https://example.com/a@b"}`, `"a://b://c@d"`, `{"u":"https:\/\/u:p@h"}`, `"https:\/\/h\/p"`,
	`{"X-Api_KEY":"v"}`, `{"query_string":"a=1"}`, `"Bearer x"`, `"-_-"`, `"pass-word"`, `":"`, `"A"`, `"\"`,
}

func TestMayHoldSensitiveAsSeparatePasses(t *testing.T) {
	for _, s := range slices.Concat(scrubValueSamples, mayHoldSensitiveSamples) {
		if got, want := mayHoldSensitive([]byte(s)), mayHoldSensitiveInPasses([]byte(s)); got != want {
			t.Errorf("mayHoldSensitive(%s) = %t, separate passes say %t", s, got, want)
		}
	}
}

func FuzzMayHoldSensitive(f *testing.F) {
	for _, s := range slices.Concat(scrubValueSamples, mayHoldSensitiveSamples) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if got, want := mayHoldSensitive(raw), mayHoldSensitiveInPasses(raw); got != want {
			t.Fatalf("mayHoldSensitive(%q) = %t, separate passes say %t", raw, got, want)
		}
	})
}
