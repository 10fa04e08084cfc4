package event

import (
	"bytes"
	"encoding/json"
	"strings"
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

// members must split an object as json.Decoder does.
func FuzzMembers(f *testing.F) {
	for _, obj := range []string{`{}`, ` { "a" : 1 , "b":[1,{"c":"]}"}], "d\"e" :"x\\"y", "n":null,"t":true,"f":-1.5e3} `, `{"k":{}}`} {
		f.Add([]byte(obj))
	}
	f.Fuzz(func(t *testing.T, obj []byte) {
		obj = bytes.TrimSpace(obj)
		if len(obj) == 0 || obj[0] != '{' || !json.Valid(obj) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(obj))
		if _, err := dec.Token(); err != nil {
			t.Fatal(err)
		}
		var want []string
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			var value json.RawMessage
			if err := dec.Decode(&value); err != nil {
				t.Fatal(err)
			}
			want = append(want, key.(string), string(value))
		}
		var got []string
		for key, value := range members(obj) {
			got = append(got, unquote(key), string(value))
		}
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
			t.Fatalf("members(%s) = %q, want %q", obj, got, want)
		}
	})
}
