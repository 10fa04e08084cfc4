package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// browser is an HTTP client with a cookie jar, as the dashboard runs in one.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, srv *server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: "http://" + srv.addr, c: &http.Client{Jar: jar}}
}

func (b *browser) do(method, path, body string, headers map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

func (b *browser) cookie(name string) string {
	for _, c := range b.c.Jar.Cookies(mustURL(b.base)) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *browser) csrf() map[string]string {
	return map[string]string{"X-CSRFToken": b.cookie("fl_csrf")}
}

func TestAccountsAndSessions(t *testing.T) {
	srv := testServer(t)
	email := metadatatest.Slug("jane") + "@example.com"
	creds := `{"email":"` + email + `","password":"correct horse"}`

	b := newBrowser(t, srv)
	resp, body := b.do("POST", "/api/0/auth/register/", creds, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	var setCookie string
	for _, c := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "fl_session=") {
			setCookie = c
		}
	}
	if !strings.Contains(setCookie, "HttpOnly") || !strings.Contains(setCookie, "SameSite=Lax") || strings.Contains(setCookie, "Secure") {
		t.Errorf("session cookie %q: want HttpOnly, SameSite=Lax, not Secure on plain http", setCookie)
	}
	if resp, body := b.do("POST", "/api/0/auth/register/", creds, nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("second registration: %d %s", resp.StatusCode, body)
	}
	if resp, body := b.do("GET", "/api/0/", "", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, email) {
		t.Fatalf("GET /api/0/ with the session: %d %s", resp.StatusCode, body)
	}

	// State changes need the CSRF token.
	if resp, _ := b.do("POST", "/api/0/auth/logout/", "", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.do("POST", "/api/0/auth/logout/", "", map[string]string{"X-CSRFToken": "forged"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout with a wrong CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.do("POST", "/api/0/auth/logout/", "", b.csrf()); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := b.do("GET", "/api/0/", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after logout: %d, want 401", resp.StatusCode)
	}

	// Wrong password and unknown email answer alike.
	_, wrong := b.do("POST", "/api/0/auth/login/", `{"email":"`+email+`","password":"wrong horse"}`, nil)
	_, unknown := b.do("POST", "/api/0/auth/login/", `{"email":"nobody-`+email+`","password":"wrong horse"}`, nil)
	if wrong != unknown || !strings.Contains(wrong, "invalid email or password") {
		t.Errorf("login failures differ: %s / %s", wrong, unknown)
	}

	// Session fixation: a session id planted before login is not kept.
	planted := newBrowser(t, srv)
	planted.c.Jar.SetCookies(mustURL(planted.base), []*http.Cookie{{Name: "fl_session", Value: "planted-by-attacker", Path: "/"}})
	if resp, body := planted.do("POST", "/api/0/auth/login/", creds, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	if got := planted.cookie("fl_session"); got == "planted-by-attacker" || got == "" {
		t.Errorf("session id after login = %q; want a new one", got)
	}

	// Changing the password ends the user's other sessions.
	other := newBrowser(t, srv)
	if resp, _ := other.do("POST", "/api/0/auth/login/", creds, nil); resp.StatusCode != http.StatusOK {
		t.Fatal("second login failed")
	}
	if resp, _ := planted.do("PUT", "/api/0/users/me/password/", `{"current":"not it","password":"battery staple"}`, planted.csrf()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("password change with a wrong current password: %d, want 400", resp.StatusCode)
	}
	if resp, body := planted.do("PUT", "/api/0/users/me/password/", `{"current":"correct horse","password":"battery staple"}`, planted.csrf()); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("password change: %d %s", resp.StatusCode, body)
	}
	if resp, _ := other.do("GET", "/api/0/", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("another session after the password change: %d, want 401", resp.StatusCode)
	}
	if resp, _ := planted.do("GET", "/api/0/", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the session that changed the password: %d, want 200", resp.StatusCode)
	}
}

func TestLoginThrottle(t *testing.T) {
	srv := testServer(t)
	email := metadatatest.Slug("tom") + "@example.com"
	b := newBrowser(t, srv)
	if resp, _ := b.do("POST", "/api/0/auth/register/", `{"email":"`+email+`","password":"right password"}`, nil); resp.StatusCode != http.StatusCreated {
		t.Fatal("register failed")
	}
	var statuses []int
	for range 5 {
		resp, _ := b.do("POST", "/api/0/auth/login/", `{"email":"`+email+`","password":"guess"}`, nil)
		statuses = append(statuses, resp.StatusCode)
	}
	resp, body := b.do("POST", "/api/0/auth/login/", `{"email":"`+email+`","password":"right password"}`, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after %v, the right password: %d %s; want 429 with Retry-After", statuses, resp.StatusCode, body)
	}
}

func TestRegistrationDisabled(t *testing.T) {
	srv := testServerWith(t, config{Listen: "127.0.0.1:0", DatabaseURL: metadatatest.URL(t),
		ClickHouseURL: analyticstest.URL(t), DataDir: t.TempDir(), SecretKey: testSecret, Registration: "false"})
	resp, body := newBrowser(t, srv).do("POST", "/api/0/auth/register/", `{"email":"x@example.com","password":"long enough"}`, nil)
	var e struct {
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(e.Detail, "disabled") {
		t.Fatalf("register with registration off: %d %s", resp.StatusCode, body)
	}
}

// TestLoginAnswersWhoLoggedIn: registration's and a login's answers
// describe the user as "GET /api/0/" does (the stored address, whatever
// its case at login, and whether it is confirmed), so the dashboard needs
// no second request to learn who logged in.
func TestLoginAnswersWhoLoggedIn(t *testing.T) {
	srv := testServer(t)
	email := metadatatest.Slug("Jane") + "@Example.com"
	type answer struct {
		User struct {
			ID            string
			Email         string
			EmailVerified *bool
		}
	}
	read := func(what, body string) answer {
		var a answer
		if err := json.Unmarshal([]byte(body), &a); err != nil || a.User.ID == "" || a.User.EmailVerified == nil {
			t.Fatalf("%s answered %s: want the user's id, email and emailVerified", what, body)
		}
		return a
	}
	b := newBrowser(t, srv)
	resp, body := b.do("POST", "/api/0/auth/register/", `{"email":"`+email+`","password":"correct horse"}`, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	registered := read("registration", body)
	resp, body = b.do("POST", "/api/0/auth/login/", `{"email":"`+strings.ToUpper(email)+`","password":"correct horse"}`, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	login := read("login", body)
	_, meBody := b.do("GET", "/api/0/", "", nil)
	me := read("GET /api/0/", meBody)
	for what, a := range map[string]answer{"registration": registered, "login": login} {
		if a.User.ID != me.User.ID || a.User.Email != me.User.Email || *a.User.EmailVerified != *me.User.EmailVerified {
			t.Errorf("%s answered %+v; GET /api/0/ says %s", what, a.User, meBody)
		}
	}
}
