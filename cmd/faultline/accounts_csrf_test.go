package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// Login CSRF: another site cannot sign a browser into an account (the
// attacker's) with a form post, nor with a cross-site fetch. Routes that
// take credentials without a session take JSON from the server's own pages
// only.
func TestCredentialRoutesRefuseCrossSiteRequests(t *testing.T) {
	srv := testServer(t)
	email := metadatatest.Slug("mallory") + "@example.com"
	registered(t, srv, email, "attacker password")
	base := "http://" + srv.addr
	login := `{"email":"` + email + `","password":"attacker password"}`

	send := func(path, contentType, body string, headers map[string]string) (int, []*http.Cookie) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Cookies()
	}
	form := url.Values{"email": {email}, "password": {"attacker password"}}.Encode()
	crossSite := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	for _, tc := range []struct {
		name, path, contentType, body string
		headers                       map[string]string
	}{
		{"a cross-site form login", "/api/0/auth/login/", "application/x-www-form-urlencoded", form, crossSite},
		{"a form login without Origin", "/api/0/auth/login/", "application/x-www-form-urlencoded", form, nil},
		{"a multipart login", "/api/0/auth/login/", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n" + email + "\r\n--x--\r\n", nil},
		{"a text/plain login holding JSON", "/api/0/auth/login/", "text/plain", login, nil},
		{"a JSON login from another origin", "/api/0/auth/login/", "application/json", login, map[string]string{"Origin": "https://evil.example"}},
		{"a JSON login with Origin null", "/api/0/auth/login/", "application/json", login, map[string]string{"Origin": "null"}},
		{"a JSON login fetched cross-site", "/api/0/auth/login/", "application/json", login, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"a cross-site form registration", "/api/0/auth/register/", "application/x-www-form-urlencoded",
			url.Values{"email": {metadatatest.Slug("new") + "@example.com"}, "password": {"long enough"}}.Encode(), crossSite},
		{"a cross-site reset request", "/api/0/auth/password-reset/", "application/x-www-form-urlencoded", url.Values{"email": {email}}.Encode(), crossSite},
		{"a cross-site reset confirmation", "/api/0/auth/password-reset/confirm/", "application/json", `{"token":"x","password":"long enough"}`, crossSite},
	} {
		code, cookies := send(tc.path, tc.contentType, tc.body, tc.headers)
		if code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, code)
		}
		for _, c := range cookies {
			if c.Name == "fl_session" && c.Value != "" {
				t.Errorf("%s set a session cookie", tc.name)
			}
		}
	}
	// The dashboard's own requests still work.
	for name, headers := range map[string]map[string]string{
		"same origin":    {"Origin": base, "Sec-Fetch-Site": "same-origin"},
		"without Origin": nil,
	} {
		if code, _ := send("/api/0/auth/login/", "application/json; charset=utf-8", login, headers); code != http.StatusOK {
			t.Errorf("a JSON login from %s: %d, want 200", name, code)
		}
	}
}
