package ingest

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseEnvelope(t *testing.T) {
	cases := []struct {
		name      string
		body      string
		wantID    string
		wantTypes []string
		wantBody  []string
		wantErr   string
	}{
		{
			name:      "length-prefixed items (Go, Python, sentry-cli)",
			body:      "{\"event_id\":\"abc\"}\n{\"type\":\"event\",\"length\":7}\n{\"a\":1}\n{\"type\":\"attachment\",\"length\":3}\nx\ny\n",
			wantID:    "abc",
			wantTypes: []string{"event", "attachment"},
			wantBody:  []string{`{"a":1}`, "x\ny"},
		},
		{
			name:      "newline-delimited, no final newline (JavaScript, Ruby)",
			body:      "{\"event_id\":\"abc\"}\n{\"type\":\"event\"}\n{\"a\":1}\n{\"type\":\"session\"}\n{\"s\":2}",
			wantID:    "abc",
			wantTypes: []string{"event", "session"},
			wantBody:  []string{`{"a":1}`, `{"s":2}`},
		},
		{
			name:      "CRLF line ends",
			body:      "{}\r\n{\"type\":\"event\"}\r\n{\"a\":1}\r\n",
			wantTypes: []string{"event"},
			wantBody:  []string{`{"a":1}`},
		},
		{
			name:      "length item with no trailing newline at the end",
			body:      "{}\n{\"type\":\"event\",\"length\":2}\n{}",
			wantTypes: []string{"event"},
			wantBody:  []string{`{}`},
		},
		{name: "empty header, no items", body: "{}\n", wantTypes: nil},
		{name: "empty body", body: "", wantErr: "no header"},
		{name: "header not JSON", body: "nope\n", wantErr: "header is not a JSON object"},
		{name: "item header not JSON", body: "{}\nnope\n", wantErr: "item 1: header is not a JSON object"},
		{name: "item without type", body: "{}\n{\"length\":2}\n{}\n", wantErr: "has no type"},
		{name: "length past the end", body: "{}\n{\"type\":\"event\",\"length\":99}\n{}\n", wantErr: "runs past the end"},
		{name: "negative length", body: "{}\n{\"type\":\"event\",\"length\":-1}\n{}\n", wantErr: "runs past the end"},
		{name: "more items than the limit", body: "{}\n" + strings.Repeat("{\"type\":\"a\"}\n\n", 11), wantErr: "too many items"},
		{name: "as many items as the limit", body: "{}\n" + strings.Repeat("{\"type\":\"a\"}\n\n", 10),
			wantTypes: strings.Fields(strings.Repeat("a ", 10)), wantBody: make([]string, 10)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, items, err := parseEnvelope([]byte(tc.body), 10)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.EventID != tc.wantID {
				t.Errorf("event_id %q, want %q", h.EventID, tc.wantID)
			}
			if len(items) != len(tc.wantTypes) {
				t.Fatalf("%d items, want %d", len(items), len(tc.wantTypes))
			}
			for i, it := range items {
				if it.Type != tc.wantTypes[i] || string(it.payload) != tc.wantBody[i] {
					t.Errorf("item %d = %s %q, want %s %q", i, it.Type, it.payload, tc.wantTypes[i], tc.wantBody[i])
				}
			}
		})
	}
}

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte("{\"event_id\":\"abc\"}\n{\"type\":\"event\",\"length\":7}\n{\"a\":1}\n"))
	f.Add([]byte("{}\n{\"type\":\"event\"}\n{\"a\":1}"))
	f.Add([]byte("{}\n{\"type\":\"event\",\"length\":99999999999}\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, items, err := parseEnvelope(body, DefaultLimits.MaxEnvelopeItems)
		if err != nil {
			return
		}
		total := 0
		for _, it := range items {
			total += len(it.payload)
		}
		if total > len(body) {
			t.Fatalf("items hold %d bytes of a %d-byte body", total, len(body))
		}
	})
}

func TestAuthKey(t *testing.T) {
	cases := map[string]string{
		"Sentry sentry_version=7, sentry_client=sentry.go/0.50.0, sentry_key=publickey": "publickey",
		"Sentry sentry_key=abc,sentry_version=7":                                        "abc",
		"sentry sentry_key=\"quoted\"":                                                  "quoted",
		"sentry_key=bare, sentry_version=7":                                             "bare",
		"Bearer something":                                                              "",
		"":                                                                              "",
	}
	for header, want := range cases {
		if got := authKey(header); got != want {
			t.Errorf("authKey(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestDSNKey(t *testing.T) {
	cases := []struct{ dsn, key, project string }{
		{"http://publickey@127.0.0.1:40375/42", "publickey", "42"},
		{"https://k:secret@example.com/sub/path/7/", "k", "7"},
		{"not a url", "", ""},
		{"https://example.com/7", "", ""},
	}
	for _, tc := range cases {
		k, p := dsnKey(tc.dsn)
		if k != tc.key || p != tc.project {
			t.Errorf("dsnKey(%q) = %q, %q; want %q, %q", tc.dsn, k, p, tc.key, tc.project)
		}
	}
}

// jsonKind names what encoding/json makes of any valid document.
func FuzzJSONKind(f *testing.F) {
	for _, s := range []string{`{}`, ` [1]`, "\n\"s\"", `-1e3`, `null`, `true`, "\t false ", `0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var v any
		if json.Unmarshal(doc, &v) != nil {
			return
		}
		want := "a number"
		switch v.(type) {
		case map[string]any:
			want = "an object"
		case []any:
			want = "an array"
		case string:
			want = "a string"
		case bool:
			want = "a boolean"
		case nil:
			want = "null"
		}
		if got := kindName(jsonKind(doc)); got != want {
			t.Fatalf("kindName(jsonKind(%q)) = %s, want %s", doc, got, want)
		}
	})
}
