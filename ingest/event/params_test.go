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
	"v1.2 from 10.0.0.1", "1.a.2", "a:b:c", "::1:", "1234abcd 0000000a ABCDEF12_x é1234abcdé", "abc12345", "12345678",
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

// FuzzGroupingNames: the byte searches in groupingFile and groupingFunction
// skip only what the expressions would leave as it is.
func FuzzGroupingNames(f *testing.F) {
	for _, s := range []string{"main.3f4a5b6c.chunk.js", "app-0123abcd-x.js", "lambda$checkout$0", "<Total>b__3_0", "at 0x7f3a in f",
		"0XAB", "https://cdn.example.com/static/js/main.3f4a5b6c.js?v=1", "plain.js", "?", "fn$", "b__"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := groupingFunction(s), lambdaNumber.ReplaceAllString(hexAddress.ReplaceAllString(s, "<addr>"), "$1"); got != want {
			switch s {
			case "?", "<anonymous>", "Object.<anonymous>", "<unknown>":
			default:
				t.Fatalf("groupingFunction(%q) = %q; the expressions give %q", s, got, want)
			}
		}
		if got, want := fileHash.ReplaceAllString(s, "$1<hash>$2"), s; !hasHexRun8(s) && got != want {
			t.Fatalf("fileHash changes %q to %q, but it holds no run of 8 hex digits", s, got)
		}
	})
}
