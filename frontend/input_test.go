package frontend

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestCheckInput(t *testing.T) {
	app := fiber.New(fiber.Config{ErrorHandler: ErrorHandler(discardLog())})
	app.Use("/api/0/", checkInput)
	app.All("/api/0/echo/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.All("/api/0/organizations/acme/chunk-upload/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	const multipartNUL = "multipart/form-data; boundary=b"
	nulPart := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n\x00\x01\r\n--b--\r\n"
	for _, tc := range []struct {
		method, target, contentType, body string
		want                              string // "" for 200, else in the 400's detail
	}{
		{"GET", "/api/0/echo/?query=is:unresolved&cursor=0:25:0", "", "", ""},
		{"GET", "/api/0/echo/?query=caf%C3%A9", "", "", ""},
		{"GET", "/api/0/echo/?query=a%00b", "", "", "query parameter query contains a NUL byte"},
		{"GET", "/api/0/echo/?statsPeriod=%00", "", "", "query parameter statsPeriod contains a NUL byte"},
		{"GET", "/api/0/echo/?a%00b=1", "", "", `query parameter "a\x00b" contains a NUL byte`},
		{"GET", "/api/0/echo/?query=%ff%fe", "", "", "query parameter query is not valid UTF-8"},
		{"GET", "/api/0/echo/?%ff=1", "", "", `query parameter "\xff" is not valid UTF-8`},
		{"POST", "/api/0/echo/", "application/json", `{"name":"Shop"}`, ""},
		{"POST", "/api/0/echo/", "application/json", `{"name":"a\\u0000b"}`, ""}, // a backslash, then u0000
		{"POST", "/api/0/echo/", "application/json", `{"name":"a\u0000b"}`, "the request body contains a NUL byte"},
		{"POST", "/api/0/echo/", "application/json", `{"name":"a\\\u0000b"}`, "the request body contains a NUL byte"},
		{"PUT", "/api/0/echo/", "application/json", "{\"name\":\"a\x00b\"}", "the request body contains a NUL byte"},
		{"POST", "/api/0/echo/", "application/x-www-form-urlencoded", "name=a%00b", "form field name contains a NUL byte"},
		{"POST", "/api/0/echo/", "application/x-www-form-urlencoded", "name=%ff", "form field name is not valid UTF-8"},
		{"POST", "/api/0/echo/", "application/x-www-form-urlencoded", "name=Shop", ""},
		// Uploads carry binary files; other routes' multipart bodies may not.
		{"POST", "/api/0/organizations/acme/chunk-upload/", multipartNUL, nulPart, ""},
		{"POST", "/api/0/echo/", multipartNUL, nulPart, "the request body contains a NUL byte"},
	} {
		req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		var e struct{ Detail string }
		_ = json.Unmarshal(b, &e)
		switch {
		case tc.want == "" && resp.StatusCode != 200:
			t.Errorf("%s %s %q: %d %s, want 200", tc.method, tc.target, tc.body, resp.StatusCode, b)
		case tc.want != "" && (resp.StatusCode != 400 || !strings.Contains(e.Detail, tc.want)):
			t.Errorf("%s %s %q: %d %q, want 400 saying %q", tc.method, tc.target, tc.body, resp.StatusCode, e.Detail, tc.want)
		}
	}
}

// hasNULEscape agrees with encoding/json on every valid JSON text: it
// finds \u0000 exactly when a decoded string or key holds a NUL byte.
func FuzzHasNULEscape(f *testing.F) {
	for _, s := range []string{`{"a":"\u0000"}`, `{"a":"\\u0000"}`, `["\\\u0000"]`, `{"\u0000":1}`, `"u0000"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		if got, want := hasNULEscape([]byte(s)), holdsNUL(v); got != want {
			t.Fatalf("hasNULEscape(%q) = %v, but the decoded value holds a NUL: %v", s, got, want)
		}
	})
}

func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		for _, x := range v {
			if holdsNUL(x) {
				return true
			}
		}
	case map[string]any:
		for k, x := range v {
			if strings.ContainsRune(k, 0) || holdsNUL(x) {
				return true
			}
		}
	}
	return false
}
