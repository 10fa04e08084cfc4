package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/pquerna/otp/totp"
)

// keyAccount is an account with a security key registered through the API.
type keyAccount struct {
	srv      *server
	email    string
	password string
	key      *softKey
	recovery []string
}

// localhostServer is a test server whose public URL names localhost:
// browsers (and the WebAuthn library) take no IP address as a relying party.
func localhostServer(t *testing.T) (*server, string) {
	t.Helper()
	cfg := localhostConfig(t)
	return testServerWith(t, cfg), cfg.URL
}

// localhostConfig is a test configuration whose public URL names
// localhost, on a free port.
func localhostConfig(t *testing.T) config {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := testConfig(t)
	cfg.Listen = fmt.Sprintf("127.0.0.1:%d", port)
	cfg.URL = fmt.Sprintf("http://localhost:%d", port)
	return cfg
}

func newKeyAccount(t *testing.T, srv *server, origin string) *keyAccount {
	t.Helper()
	return newKeyAccountAs(t, srv, origin, metadatatest.Slug("keys")+"@example.com")
}

// newKeyAccountAs registers email, with a security key, on srv.
func newKeyAccountAs(t *testing.T, srv *server, origin, email string) *keyAccount {
	t.Helper()
	a := &keyAccount{srv: srv, email: email, password: "key owner password", key: newSoftKey(t, origin)}
	b := newBrowser(t, srv)
	if resp, body := b.do("POST", "/api/0/auth/register/", a.creds(""), nil); resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	if resp, body := b.do("POST", "/api/0/users/me/webauthn/register/begin/", `{"password":"wrong"}`, b.csrf()); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, "password") {
		t.Errorf("begin with a wrong password: %d %s, want 400 naming password", resp.StatusCode, body)
	}
	if resp, body := b.do("POST", "/api/0/users/me/webauthn/register/finish/", `{"credential":`+a.key.create(`{"challenge":"AAAA","rp":{"id":"localhost"}}`)+`}`, b.csrf()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("finish without begin: %d %s, want 400", resp.StatusCode, body)
	}
	resp, options := b.do("POST", "/api/0/users/me/webauthn/register/begin/", `{"password":"`+a.password+`"}`, b.csrf())
	if resp.StatusCode != http.StatusOK || !strings.Contains(options, `"rp":{"name":"Faultline","id":"localhost"}`) {
		t.Fatalf("begin registration: %d %s", resp.StatusCode, options)
	}
	finish := `{"name":"Desk key","credential":` + a.key.create(options) + `}`
	resp, body := b.do("POST", "/api/0/users/me/webauthn/register/finish/", finish, b.csrf())
	var added struct {
		Key           struct{ ID, Name string }
		RecoveryCodes []string
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &added) != nil || added.Key.Name != "Desk key" || len(added.RecoveryCodes) != 10 {
		t.Fatalf("finish registration: %d %s", resp.StatusCode, body)
	}
	a.recovery = added.RecoveryCodes
	if resp, body := b.do("POST", "/api/0/users/me/webauthn/register/finish/", finish, b.csrf()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the same registration twice: %d %s, want 400 (its challenge serves once)", resp.StatusCode, body)
	}
	var keys []struct {
		ID, Name, CredentialID string
		LastUsed               *string
	}
	if resp, body := b.do("GET", "/api/0/users/me/webauthn/", "", nil); resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &keys) != nil ||
		len(keys) != 1 || keys[0].ID != added.Key.ID || keys[0].CredentialID != b64.EncodeToString(a.key.id) || keys[0].LastUsed != nil {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	return a
}

func (a *keyAccount) creds(otp string) string {
	extra := ""
	if otp != "" {
		extra = `,"otp":"` + otp + `"`
	}
	return fmt.Sprintf(`{"email":%q,"password":%q%s}`, a.email, a.password, extra)
}

// passwordStep logs in with the password in a fresh browser and answers
// the pending login's token.
func (a *keyAccount) passwordStep(t *testing.T) (*browser, string) {
	t.Helper()
	b := newBrowser(t, a.srv)
	resp, body := b.do("POST", "/api/0/auth/login/", a.creds(""), nil)
	var answer struct {
		TwoFactorRequired bool
		Methods           []string
		LoginToken        string
	}
	if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal([]byte(body), &answer) != nil || !answer.TwoFactorRequired ||
		!slices.Contains(answer.Methods, "webauthn") || answer.LoginToken == "" || signedInAs(t, b) != "" {
		t.Fatalf("password step: %d %s", resp.StatusCode, body)
	}
	return b, answer.LoginToken
}

func beginKeyLogin(t *testing.T, b *browser, token string) string {
	t.Helper()
	resp, body := b.do("POST", "/api/0/auth/webauthn/begin/", `{"loginToken":"`+token+`"}`, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("begin key login: %d %s", resp.StatusCode, body)
	}
	return body
}

func finishKeyLogin(b *browser, token, credential string) (*http.Response, string) {
	return b.do("POST", "/api/0/auth/webauthn/finish/", `{"loginToken":"`+token+`","credential":`+credential+`}`, nil)
}

// TestSecurityKeyLogin: a security key registered through the API is the
// second step of a login, once per challenge, from the server's origin
// only, with a growing signature counter; every refusal is 4xx and never
// a session.
func TestSecurityKeyLogin(t *testing.T) {
	srv, origin := localhostServer(t)
	a := newKeyAccount(t, srv, origin)

	b, token := a.passwordStep(t)
	options := beginKeyLogin(t, b, token)
	good := a.key.get(options, origin)
	if resp, body := finishKeyLogin(b, token, good); resp.StatusCode != http.StatusOK || signedInAs(t, b) != a.email {
		t.Fatalf("login with the key: %d %s", resp.StatusCode, body)
	}

	refusals := []struct {
		name string
		try  func() (*browser, *http.Response, string)
	}{
		{"no pending login: begin", func() (*browser, *http.Response, string) {
			b := newBrowser(t, srv)
			resp, body := b.do("POST", "/api/0/auth/webauthn/begin/", `{"loginToken":"not-a-token"}`, nil)
			return b, resp, body
		}},
		{"no pending login: finish", func() (*browser, *http.Response, string) {
			b := newBrowser(t, srv)
			resp, body := finishKeyLogin(b, "not-a-token", a.key.get(options, origin))
			return b, resp, body
		}},
		{"finish without begin", func() (*browser, *http.Response, string) {
			b, token := a.passwordStep(t)
			resp, body := finishKeyLogin(b, token, a.key.get(options, origin))
			return b, resp, body
		}},
		{"the finished login replayed", func() (*browser, *http.Response, string) {
			b := newBrowser(t, srv)
			resp, body := finishKeyLogin(b, token, good)
			return b, resp, body
		}},
		{"an old assertion for a new challenge", func() (*browser, *http.Response, string) {
			b, token := a.passwordStep(t)
			beginKeyLogin(t, b, token)
			resp, body := finishKeyLogin(b, token, good)
			return b, resp, body
		}},
		{"another origin", func() (*browser, *http.Response, string) {
			b, token := a.passwordStep(t)
			resp, body := finishKeyLogin(b, token, a.key.get(beginKeyLogin(t, b, token), "http://evil.example"))
			return b, resp, body
		}},
		{"an unknown credential", func() (*browser, *http.Response, string) {
			b, token := a.passwordStep(t)
			resp, body := finishKeyLogin(b, token, newSoftKey(t, origin).get(beginKeyLogin(t, b, token), origin))
			return b, resp, body
		}},
		{"a copied key whose counter went back", func() (*browser, *http.Response, string) {
			b, token := a.passwordStep(t)
			clone := *a.key
			clone.count = 0
			resp, body := finishKeyLogin(b, token, clone.get(beginKeyLogin(t, b, token), origin))
			return b, resp, body
		}},
		{"not an assertion", func() (*browser, *http.Response, string) {
			b, token := a.passwordStep(t)
			beginKeyLogin(t, b, token)
			resp, body := finishKeyLogin(b, token, `{"id":"x","type":"public-key","response":{}}`)
			return b, resp, body
		}},
	}
	for _, r := range refusals {
		b, resp, body := r.try()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s: %d %s, want 4xx", r.name, resp.StatusCode, body)
		}
		if who := signedInAs(t, b); who != "" {
			t.Errorf("%s: signed in as %s", r.name, who)
		}
	}

	// The key still works (its counter grew with each signature above),
	// and a recovery code replaces it.
	b, token = a.passwordStep(t)
	if resp, body := finishKeyLogin(b, token, a.key.get(beginKeyLogin(t, b, token), origin)); resp.StatusCode != http.StatusOK || signedInAs(t, b) != a.email {
		t.Errorf("a second login with the key: %d %s", resp.StatusCode, body)
	}
	rb := newBrowser(t, srv)
	if resp, body := rb.do("POST", "/api/0/auth/login/", a.creds(a.recovery[0]), nil); resp.StatusCode != http.StatusOK || signedInAs(t, rb) != a.email {
		t.Errorf("login with a recovery code: %d %s", resp.StatusCode, body)
	}
	if resp, _ := newBrowser(t, srv).do("POST", "/api/0/auth/login/", a.creds(a.recovery[0]), nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a recovery code twice: %d, want 401", resp.StatusCode)
	}

	// Removing the key takes the password; the account then logs in with
	// its password alone.
	var keys []struct{ ID, LastUsed string }
	if _, body := b.do("GET", "/api/0/users/me/webauthn/", "", nil); json.Unmarshal([]byte(body), &keys) != nil || len(keys) != 1 || keys[0].LastUsed == "" {
		t.Fatalf("keys after logins: %s", body)
	}
	if resp, _ := b.do("DELETE", "/api/0/users/me/webauthn/"+keys[0].ID+"/", `{"password":"wrong"}`, b.csrf()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("remove with a wrong password: %d, want 400", resp.StatusCode)
	}
	if resp, _ := b.do("DELETE", "/api/0/users/me/webauthn/999999999/", `{"password":"`+a.password+`"}`, b.csrf()); resp.StatusCode != http.StatusNotFound {
		t.Errorf("remove an unknown key: %d, want 404", resp.StatusCode)
	}
	if resp, body := b.do("DELETE", "/api/0/users/me/webauthn/"+keys[0].ID+"/", `{"password":"`+a.password+`"}`, b.csrf()); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("remove: %d %s", resp.StatusCode, body)
	}
	if resp, body := newBrowser(t, srv).do("POST", "/api/0/auth/login/", a.creds(""), nil); resp.StatusCode != http.StatusOK {
		t.Errorf("login after removing the only key: %d %s", resp.StatusCode, body)
	}
}

// Registering and listing keys is for a logged-in session, not a token.
func TestSecurityKeysNeedASession(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/0/users/me/webauthn/"},
		{"POST", "/api/0/users/me/webauthn/register/begin/"},
		{"POST", "/api/0/users/me/webauthn/register/finish/"},
		{"DELETE", "/api/0/users/me/webauthn/1/"},
	} {
		if code := api.call(r.method, r.path, `{}`, nil); code != http.StatusForbidden {
			t.Errorf("%s %s with a token: %d, want 403", r.method, r.path, code)
		}
	}
}

// TestSecurityKeyInTheBrowser adds a (virtual) security key on the account
// page of the dashboard in headless Chromium, logs out, and logs in with
// the password and the key; a forged second step gets no session.
func TestSecurityKeyInTheBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv, base := localhostServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret) // a member of an organization, so the dashboard lists projects
	var me struct{ User struct{ Email string } }
	apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}.get("/api/0/", &me)
	email, userID := me.User.Email, proj.UserID
	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "webauthn"))
	if out, err := runBrowserScript(dir, chromium, 150*time.Second, "webauthn.mjs", base, email, "test-password", shots); err != nil {
		t.Fatalf("webauthn.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
	keys, err := srv.db.SecurityKeys(t.Context(), userID)
	if err != nil || len(keys) != 1 || keys[0].Name != "Virtual key" || keys[0].LastUsedAt == nil || keys[0].SignCount == 0 {
		t.Fatalf("keys after the browser run: %+v (%v)", keys, err)
	}
}

// An account with both an authenticator app and a security key is offered
// both; turning the app off keeps the recovery codes the key still needs.
func TestSecurityKeyBesideTOTP(t *testing.T) {
	srv, origin := localhostServer(t)
	a := newKeyAccount(t, srv, origin)
	b := newBrowser(t, srv)
	if resp, body := b.do("POST", "/api/0/auth/login/", a.creds(a.recovery[0]), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("login with the key's recovery code: %d %s", resp.StatusCode, body)
	}
	_, body := b.do("POST", "/api/0/users/me/2fa/", "", b.csrf())
	var setup struct{ Secret string }
	_ = json.Unmarshal([]byte(body), &setup)
	code, _ := totp.GenerateCode(setup.Secret, time.Now())
	_, body = b.do("POST", "/api/0/users/me/2fa/confirm/", `{"code":"`+code+`"}`, b.csrf())
	var enabled struct{ RecoveryCodes []string }
	if json.Unmarshal([]byte(body), &enabled) != nil || len(enabled.RecoveryCodes) != 10 {
		t.Fatalf("turn two-factor codes on: %s", body)
	}
	resp, body := newBrowser(t, srv).do("POST", "/api/0/auth/login/", a.creds(""), nil)
	var step struct{ Methods []string }
	if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal([]byte(body), &step) != nil ||
		strings.Join(step.Methods, ",") != "totp,webauthn,recovery" {
		t.Errorf("password step with both: %d %s", resp.StatusCode, body)
	}
	if resp, body := b.do("DELETE", "/api/0/users/me/2fa/", `{"password":"`+a.password+`"}`, b.csrf()); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("turn two-factor codes off: %d %s", resp.StatusCode, body)
	}
	kb, token := a.passwordStep(t) // the key is still asked for
	if resp, body := finishKeyLogin(kb, token, a.key.get(beginKeyLogin(t, kb, token), origin)); resp.StatusCode != http.StatusOK {
		t.Errorf("login with the key after the app is off: %d %s", resp.StatusCode, body)
	}
	if resp, body := newBrowser(t, srv).do("POST", "/api/0/auth/login/", a.creds(enabled.RecoveryCodes[1]), nil); resp.StatusCode != http.StatusOK {
		t.Errorf("a recovery code after the app is off, with a key left: %d %s", resp.StatusCode, body)
	}
}
