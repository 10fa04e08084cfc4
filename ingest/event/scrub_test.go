package event

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScrub(t *testing.T) {
	payload := `{
		"message": "charged card 4111 1111 1111 1111 for order 12345678901234",
		"request": {
			"url": "https://shop.example.com/pay",
			"query_string": "page=2&access_token=abc123",
			"headers": [["Authorization", "Bearer xyz"], ["Accept", "text/html"], ["Cookie", "sid=1"]],
			"cookies": {"sid": "1"},
			"data": {"username": "jane", "password": "hunter2", "card": "5500-0000-0000-0004"}
		},
		"extra": {"api_key": "k-123", "nested": {"client_secret": "s", "count": 3}},
		"contexts": {"app": {"X-Api-Key": "k", "version": "1.2"}},
		"tags": {"session_id": "abc", "region": "eu"},
		"breadcrumbs": [{"message": "login", "data": {"token": "t", "user": "jane"}}],
		"exception": [{"type": "E", "value": "bad card 4012888888881881",
			"stacktrace": {"frames": [{"function": "pay", "vars": {"passwd": "p", "amount": 10}}]}}]
	}`
	e, err := Parse([]byte(payload), Meta{Received: received})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(e)
	stored := string(b)
	for _, secret := range []string{"hunter2", "abc123", "Bearer xyz", "sid=1", "k-123", `"client_secret":"s"`,
		"4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881", `"passwd":"p"`, `"token":"t"`, `"X-Api-Key":"k"`} {
		if strings.Contains(stored, secret) {
			t.Errorf("stored event still holds %q", secret)
		}
	}
	for _, kept := range []string{"jane", "text/html", "page=2", `"count":3`, `"version":"1.2"`, "12345678901234", `"amount":10`, "eu"} {
		if !strings.Contains(stored, kept) {
			t.Errorf("scrubbing removed %q, which is not sensitive", kept)
		}
	}
	if e.TagValue("session_id") != Filtered {
		t.Errorf("tag session_id = %q", e.TagValue("session_id"))
	}

	kept, _ := Parse([]byte(payload), Meta{Received: received, KeepSensitiveData: true})
	if b, _ := json.Marshal(kept); !strings.Contains(string(b), "hunter2") {
		t.Error("KeepSensitiveData did not keep the data")
	}
}

func TestLuhn(t *testing.T) {
	for s, want := range map[string]bool{
		"4111111111111111": true, "4111 1111 1111 1111": true, "4111111111111112": false,
		"1234567890123": false, "0000000000000": true,
	} {
		if luhn(s) != want {
			t.Errorf("luhn(%q) = %v", s, !want)
		}
	}
}

// BenchmarkScrub scrubs a 10 KB Django event: a request with headers,
// cookies and form data, and two dozen HTTP, SQL and cache breadcrumbs.
func BenchmarkScrub(b *testing.B) {
	payload, err := os.ReadFile("testdata/scrub.json")
	if err != nil {
		b.Fatal(err)
	}
	e, err := Parse(payload, Meta{Received: received, KeepSensitiveData: true})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		Scrub(cloneEvent(e))
	}
}

// cloneEvent copies what Scrub changes in place.
func cloneEvent(e *Event) *Event {
	c := *e
	c.Breadcrumbs = slices.Clone(e.Breadcrumbs)
	c.Tags = slices.Clone(e.Tags)
	c.Exceptions = slices.Clone(e.Exceptions)
	for i, ex := range c.Exceptions {
		if ex.Stacktrace != nil {
			c.Exceptions[i].Stacktrace = &Stacktrace{Frames: slices.Clone(ex.Stacktrace.Frames)}
		}
	}
	return &c
}

// TestScrubCases parses each event and compares the value at path in the
// stored event (keys and list indexes joined by dots) with want.
func TestScrubCases(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl"
	cases := []struct {
		name, event, path, want string
	}{
		// Passwords in URLs.
		{"database URL in extra", `{"extra":{"dsn":"postgres://admin:pw@host/db"}}`,
			"extra.dsn", `"postgres://admin:[Filtered]@host/db"`},
		{"request URL with credentials", `{"request":{"url":"https://user:pw@example.com/x"}}`,
			"request.url", `"https://user:[Filtered]@example.com/x"`},
		{"request URL with escaped slashes", `{"request":{"url":"https:\/\/user:pw@example.com\/x"}}`,
			"request.url", `"https://user:[Filtered]@example.com/x"`},
		{"URL password in a message", `{"message":"cannot connect to redis://:s3cr3t@cache:6379/0 (refused)"}`,
			"message", `"cannot connect to redis://:[Filtered]@cache:6379/0 (refused)"`},
		{"URL password holding @ in an exception", `{"exception":[{"type":"E","value":"dial mysql://app:p@ss@db:3306/shop failed"}]}`,
			"exception.0.value", `"dial mysql://app:[Filtered]@db:3306/shop failed"`},

		// Credentials in query strings.
		{"token in request URL", `{"request":{"url":"https://example.com/cb?token=abc123&page=2"}}`,
			"request.url", `"https://example.com/cb?token=[Filtered]\u0026page=2"`},
		{"auth in query_string text", `{"request":{"query_string":"page=2&auth=abc123&sort=asc"}}`,
			"request.query_string", `"page=2\u0026auth=[Filtered]\u0026sort=asc"`},
		{"query_string as pairs", `{"request":{"query_string":[["auth","abc"],["page","2"],["key","k1"]]}}`,
			"request.query_string", `[["auth","[Filtered]"],["page","2"],["key","[Filtered]"]]`},
		{"query_string as an object", `{"request":{"query_string":{"auth":"abc","page":"2","api_key":"k"}}}`,
			"request.query_string", `{"api_key":"[Filtered]","auth":"[Filtered]","page":"2"}`},
		{"api_key in a breadcrumb URL", `{"breadcrumbs":[{"category":"http","data":{"url":"https://api.example.com/v1?api_key=k123&q=1"}}]}`,
			"breadcrumbs.0.data.url", `"https://api.example.com/v1?api_key=[Filtered]\u0026q=1"`},
		{"access_token in a breadcrumb message", `{"breadcrumbs":[{"message":"GET https://graph.example.com/me?fields=id&access_token=EAAB1234 200"}]}`,
			"breadcrumbs.0.message", `"GET https://graph.example.com/me?fields=id\u0026access_token=[Filtered] 200"`},
		{"password and secret in a message URL", `{"message":"POST https://example.com/login?user=jane&password=hunter2&secret=s3 failed"}`,
			"message", `"POST https://example.com/login?user=jane\u0026password=[Filtered]\u0026secret=[Filtered] failed"`},
		{"auth in an exception URL", `{"exception":[{"type":"E","value":"403 from https://example.com/hook?auth=abc123"}]}`,
			"exception.0.value", `"403 from https://example.com/hook?auth=[Filtered]"`},

		// Authorization values in any string.
		{"bearer token in a message", `{"message":"upstream refused Authorization: Bearer ` + jwt + `"}`,
			"message", `"upstream refused Authorization: Bearer [Filtered]"`},
		{"basic credentials in an exception", `{"exception":[{"type":"E","value":"401 with Authorization: Basic dXNlcjpwYXNz"}]}`,
			"exception.0.value", `"401 with Authorization: Basic [Filtered]"`},
		{"bearer token in a breadcrumb", `{"breadcrumbs":[{"message":"retrying with Bearer ` + jwt + ` after 401"}]}`,
			"breadcrumbs.0.message", `"retrying with Bearer [Filtered] after 401"`},
		{"authorization in a log line", `{"extra":{"log":"DEBUG headers={'authorization': 'Token 9f8e7d6c5b4a'}"}}`,
			"extra.log", `"DEBUG headers={'authorization': 'Token [Filtered]'}"`},

		// Custom authentication headers.
		{"custom auth headers", `{"request":{"headers":{"X-Custom-Auth":"c1","X-Api-Key":"k2","X-Auth-Token":"t3","X-Session-Id":"s4","X-Client-Key":"k5","Accept":"text/html"}}}`,
			"request.headers", `{"Accept":"text/html","X-Api-Key":"[Filtered]","X-Auth-Token":"[Filtered]","X-Client-Key":"[Filtered]","X-Custom-Auth":"[Filtered]","X-Session-Id":"[Filtered]"}`},
		{"custom auth headers as pairs", `{"request":{"headers":[["X-Custom-Auth","c1"],["X-Client-Key","k2"],["Accept","text/html"]]}}`,
			"request.headers", `[["X-Custom-Auth","[Filtered]"],["X-Client-Key","[Filtered]"],["Accept","text/html"]]`},

		// AWS keys.
		{"AWS credentials file", `{"extra":{"config":"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"}}`,
			"extra.config", `"[default]\naws_access_key_id = [Filtered]\naws_secret_access_key = [Filtered]\n"`},
		{"AWS access key id in a message", `{"message":"upload with AKIAIOSFODNN7EXAMPLE denied"}`,
			"message", `"upload with [Filtered] denied"`},
		{"AWS secret in JSON text", `{"exception":[{"type":"E","value":"bad credentials {\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}"}]}`,
			"exception.0.value", `"bad credentials {\"SecretAccessKey\": \"[Filtered]\"}"`},

		// PEM private keys.
		{"private key in a frame variable", `{"exception":[{"type":"E","value":"v","stacktrace":{"frames":[{"function":"f","vars":{"pem":"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA PRIVATE KEY-----\n"}}]}}]}`,
			"exception.0.stacktrace.frames.0.vars.pem", `"-----BEGIN RSA PRIVATE KEY-----[Filtered]-----END RSA PRIVATE KEY-----\n"`},
		{"private key in a message", `{"message":"cannot parse -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY----- as PKCS#1"}`,
			"message", `"cannot parse -----BEGIN PRIVATE KEY-----[Filtered]-----END PRIVATE KEY----- as PKCS#1"`},
		{"truncated private key", `{"extra":{"k":"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"}}`,
			"extra.k", `"-----BEGIN OPENSSH PRIVATE KEY-----[Filtered]"`},

		// What must stay.
		{"URL without credentials", `{"message":"GET https://example.com:8443/search?q=go&page=2&author=jane returned 500"}`,
			"message", `"GET https://example.com:8443/search?q=go\u0026page=2\u0026author=jane returned 500"`},
		{"database URL without a password", `{"extra":{"dsn":"postgres://app@db.internal:5432/shop?sslmode=disable"}}`,
			"extra.dsn", `"postgres://app@db.internal:5432/shop?sslmode=disable"`},
		{"key in prose", `{"message":"the key is missing: primary key violation on keyboard layouts"}`,
			"message", `"the key is missing: primary key violation on keyboard layouts"`},
		{"basic in prose", `{"exception":[{"type":"E","value":"Basic authentication failed; bearer token expired"}]}`,
			"exception.0.value", `"Basic authentication failed; bearer token expired"`},
		{"git SHA", `{"extra":{"commit":"3f786850e387550fdab836ed7e6dc881de23001b"},"message":"deployed 3f786850e387550fdab836ed7e6dc881de23001b"}`,
			"extra.commit", `"3f786850e387550fdab836ed7e6dc881de23001b"`},
		{"git SHA in a message", `{"message":"deployed 3f786850e387550fdab836ed7e6dc881de23001b to eu"}`,
			"message", `"deployed 3f786850e387550fdab836ed7e6dc881de23001b to eu"`},
		{"UUID", `{"message":"order 123e4567-e89b-12d3-a456-426614174000 failed","tags":{"request":"123e4567-e89b-12d3-a456-426614174000"}}`,
			"message", `"order 123e4567-e89b-12d3-a456-426614174000 failed"`},
		{"ordinary headers", `{"request":{"headers":{"Keep-Alive":"timeout=5","X-Request-Id":"123e4567-e89b-12d3-a456-426614174000","Accept":"*/*"}}}`,
			"request.headers", `{"Accept":"*/*","Keep-Alive":"timeout=5","X-Request-Id":"123e4567-e89b-12d3-a456-426614174000"}`},
		{"time zone", `{"contexts":{"culture":{"timezone":"Asia/Tokyo","locale":"ja-JP"}}}`,
			"contexts.culture.timezone", `"Asia/Tokyo"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse([]byte(tc.event), Meta{Received: received})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(e)
			var stored any
			if err := json.Unmarshal(b, &stored); err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(at(stored, tc.path))
			var want any
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatalf("want is not JSON: %v", err)
			}
			if w, _ := json.Marshal(want); string(got) != string(w) {
				t.Errorf("%s\n got %s\nwant %s", tc.path, got, w)
			}
		})
	}
}

// at follows a dotted path of object keys and list indexes.
func at(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// FuzzScrubString checks that scrubbing text never panics and that text
// once scrubbed has nothing left to scrub.
func FuzzScrubString(f *testing.F) {
	for _, s := range []string{
		"postgres://admin:p@ss@host/db", "https://example.com/cb?a=1&token=abc;key=k#x",
		"Authorization: Bearer abc.def", "retry with Basic dXNlcjpwYXNz", "aws_secret_access_key = x/y+z",
		"AKIAIOSFODNN7EXAMPLE", "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----", "4111 1111 1111 1111",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := scrubString(s)
		if twice := scrubString(once); twice != once {
			t.Errorf("scrubbing %q twice: %q, then %q", s, once, twice)
		}
	})
}

// FuzzMayHoldCard: whatever the card expression finds in a string, the
// pre-check flags in the string and in its JSON, plain or with every
// character escaped.
func FuzzMayHoldCard(f *testing.F) {
	for _, s := range []string{"4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "1 2 3 4 5 6 7 8 9 0 1 2 3",
		"12 -34", "app_memory 109469696 free 24353480704", "v1.2.3 build 20261121", "4111\u00201111\u00201111\u00201111"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !cardNumber.MatchString(s) {
			return
		}
		plain, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var escaped strings.Builder
		escaped.WriteByte('"')
		for _, r := range s {
			if r > 0xFFFF {
				r = utf8.RuneError
			}
			fmt.Fprintf(&escaped, `\u%04x`, r)
		}
		escaped.WriteByte('"')
		for _, text := range []string{s, string(plain), escaped.String()} {
			if !mayHoldCard(text) {
				t.Fatalf("%q matches the card expression, but the pre-check passes %q", s, text)
			}
		}
	})
}
