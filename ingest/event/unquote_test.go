package event

import (
	"bytes"
	"encoding/json"
	"testing"
)

var unquoteCases = []string{
	`""`, `"plain"`, `"caf\u00e9"`, `"café"`, `"tab\there \"quoted\" back\\slash \/ \b\f\n\r"`,
	`"\ud83d\ude00 pair"`, `"\ud83d lone high"`, `"lone low \ude00"`, `"\ud83d\u0041 high then letter"`,
	`"\ud83d\ud83d\ude00 two highs"`, `"nul \u0000 inside"`, "\"invalid \xff\xfe utf-8\"", "\"cut \xe2\x82 rune\"",
	"\"\xef\xbf\xbd replacement\"", `"\uFFFD upper hex \u00E9"`,
}

// unquote must give what json.Unmarshal gives for every string it accepts.
func TestUnquoteMatchesEncodingJSON(t *testing.T) {
	for _, lit := range unquoteCases {
		var want string
		if err := json.Unmarshal([]byte(lit), &want); err != nil {
			t.Fatalf("%s: %v", lit, err)
		}
		if got := unquote([]byte(lit)); got != want {
			t.Errorf("unquote(%s) = %q, want %q", lit, got, want)
		}
	}
}

func FuzzUnquote(f *testing.F) {
	for _, lit := range unquoteCases {
		f.Add([]byte(lit))
	}
	f.Fuzz(func(t *testing.T, lit []byte) {
		// encoding/json hands over a literal without the space around it.
		lit = bytes.TrimSpace(lit)
		var want string
		if len(lit) == 0 || lit[0] != '"' || json.Unmarshal(lit, &want) != nil {
			return
		}
		if got := unquote(lit); got != want {
			t.Fatalf("unquote(%q) = %q, want %q", lit, got, want)
		}
	})
}
