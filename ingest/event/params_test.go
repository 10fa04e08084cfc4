package event

import "testing"

// parameterizeEveryExpression is parameterize without the byte searches
// that skip expressions: the reference they must agree with.
func parameterizeEveryExpression(s string) string {
	for _, p := range parameters {
		s = p.re.ReplaceAllStringFunc(s, func(m string) string {
			if len(m) < p.minLen {
				return m
			}
			return p.placeholder
		})
	}
	return s
}

var parameterSamples = []string{
	"", "user 1234 not found", "cache:user:42:profile", "deadbeef-dead-beef-dead-beefdeadbeef", "DEADBEEFDEADBEEF",
	"abcdefab", "abcdefa", "at 0x7f3a00c0 in main", "0XFF", "mail dana@example.com failed", "a@b", "10.0.0.1:5432 refused",
	"fe80::1:2:3 down", "abc:def:abc:def", "2026-11-21T23:23:25.953Z took 1.5ms", "2026-11-21", "9999-99-99 99:99:99+0000",
	"worker7 30s", "<date>", "ſ0x1", "token 3f4a5b6c7d8e9f00", "café 12", "x.y.z", "no variable parts here",
}

func TestParameterizeSkipsOnlyWhatCannotMatch(t *testing.T) {
	for _, s := range parameterSamples {
		if got, want := parameterize(s), parameterizeEveryExpression(s); got != want {
			t.Errorf("parameterize(%q) = %q; every expression gives %q", s, got, want)
		}
	}
}

func FuzzParameterize(f *testing.F) {
	for _, s := range parameterSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := parameterize(s), parameterizeEveryExpression(s); got != want {
			t.Fatalf("parameterize(%q) = %q; every expression gives %q", s, got, want)
		}
	})
}
