package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/frontend/mail/mailtest"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// registered registers a new account in a fresh browser and returns it.
func registered(t *testing.T, srv *server, email, password string) *browser {
	t.Helper()
	b := newBrowser(t, srv)
	if resp, body := b.do("POST", "/api/0/auth/register/", `{"email":"`+email+`","password":"`+password+`"}`, nil); resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	return b
}

// The password is changed from a logged-in session only: no API token, not
// even one with every scope, can change it.
func TestPasswordChangeNeedsASession(t *testing.T) {
	srv := testServer(t)
	email := metadatatest.Slug("ron") + "@example.com"
	b := registered(t, srv, email, "first password")
	uid := userID(t, b)
	readOnly := []string{"org:read", "project:read", "event:read", "member:read"}
	for _, scopes := range [][]string{readOnly, metadata.AllScopes} {
		tok, err := srv.db.CreateToken(t.Context(), uid, "password test", scopes)
		if err != nil {
			t.Fatal(err)
		}
		api := apiClient{t: t, base: b.base, token: tok.Token}
		if code := api.call("PUT", "/api/0/users/me/password/", `{"current":"first password","password":"token chosen"}`, nil); code != http.StatusForbidden {
			t.Errorf("password change with a token holding %v: %d, want 403", scopes, code)
		}
	}
	if resp, _ := newBrowser(t, srv).do("POST", "/api/0/auth/login/", `{"email":"`+email+`","password":"first password"}`, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("login with the first password answers %d: a token changed it", resp.StatusCode)
	}
}

// userID is the id of the user logged in in b.
func userID(t *testing.T, b *browser) int64 {
	t.Helper()
	resp, body := b.do("GET", "/api/0/", "", nil)
	var me struct{ User struct{ ID string } }
	if err := json.Unmarshal([]byte(body), &me); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/0/: %d %s", resp.StatusCode, body)
	}
	id, err := strconv.ParseInt(me.User.ID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// resetToken waits for a reset email to address and returns its token.
func resetToken(t *testing.T, smtp *mailtest.TestServer, address string) string {
	t.Helper()
	msg, ok := smtp.Wait(address, 10*time.Second)
	if !ok {
		t.Fatalf("no reset email to %s arrived", address)
	}
	m := linkToken.FindStringSubmatch(msg.Text())
	if m == nil {
		t.Fatalf("reset email without a link:\n%s", msg.Text())
	}
	return m[1]
}

// Wrong current passwords are throttled like wrong logins.
func TestPasswordChangeIsThrottled(t *testing.T) {
	srv := testServer(t)
	b := registered(t, srv, metadatatest.Slug("gus")+"@example.com", "first password")
	var codes []int
	for i := range 6 {
		resp, _ := b.do("PUT", "/api/0/users/me/password/", fmt.Sprintf(`{"current":"guess %d","password":"new password"}`, i), b.csrf())
		codes = append(codes, resp.StatusCode)
	}
	resp, _ := b.do("PUT", "/api/0/users/me/password/", `{"current":"first password","password":"new password"}`, b.csrf())
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after wrong current passwords %v, the right one answers %d; want 429 with Retry-After", codes, resp.StatusCode)
	}
}

// A password change ends the user's other sessions and revokes every API
// token; the session that changed it stays.
func TestPasswordChangeRevokesTokens(t *testing.T) {
	srv := testServer(t)
	email := metadatatest.Slug("liz") + "@example.com"
	b := registered(t, srv, email, "first password")
	uid := userID(t, b)
	tok, err := srv.db.CreateToken(t.Context(), uid, "ci", metadata.AllScopes)
	if err != nil {
		t.Fatal(err)
	}
	api := apiClient{t: t, base: b.base, token: tok.Token}
	other := newBrowser(t, srv)
	if resp, _ := other.do("POST", "/api/0/auth/login/", `{"email":"`+email+`","password":"first password"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatal("second login failed")
	}
	if resp, body := b.do("PUT", "/api/0/users/me/password/", `{"current":"first password","password":"second password"}`, b.csrf()); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("password change: %d %s", resp.StatusCode, body)
	}
	if code := api.get("/api/0/", nil); code != http.StatusUnauthorized {
		t.Errorf("an API token after the password change: %d, want 401", code)
	}
	if resp, _ := other.do("GET", "/api/0/", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("another session after the password change: %d, want 401", resp.StatusCode)
	}
	if resp, _ := b.do("GET", "/api/0/", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the session that changed the password: %d, want 200", resp.StatusCode)
	}
}

// A password reset revokes every API token of the account as well as its
// sessions: whoever had the old password loses every way in.
func TestPasswordResetRevokesTokens(t *testing.T) {
	srv, smtp := mailServer(t)
	owner := metadatatest.Project(t, srv.db, testSecret)
	var me struct{ User struct{ Email string } }
	apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}.get("/api/0/", &me)
	email := me.User.Email
	tok, err := srv.db.CreateToken(t.Context(), owner.UserID, "ci", metadata.AllScopes)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, body := postJSON(t, http.DefaultClient, "http://"+srv.addr+"/api/0/auth/password-reset/", `{"email":"`+email+`"}`); code != http.StatusAccepted {
		t.Fatalf("reset request: %d %s", code, body)
	}
	token := resetToken(t, smtp, email)
	if code, _, body := postJSON(t, http.DefaultClient, "http://"+srv.addr+"/api/0/auth/password-reset/confirm/", `{"token":"`+token+`","password":"after the reset"}`); code != http.StatusNoContent {
		t.Fatalf("reset confirm: %d %s", code, body)
	}
	for name, secret := range map[string]string{"the bootstrap token": owner.Token, "a created token": tok.Token} {
		if code := (apiClient{t: t, base: "http://" + srv.addr, token: secret}).get("/api/0/", nil); code != http.StatusUnauthorized {
			t.Errorf("%s after a password reset: %d, want 401", name, code)
		}
	}
}
