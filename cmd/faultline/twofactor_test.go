package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/pquerna/otp/totp"
)

func TestTwoFactorLogin(t *testing.T) {
	srv := testServer(t)
	email := metadatatest.Slug("kim") + "@example.com"
	creds := `"email":"` + email + `","password":"kim password"`
	b := newBrowser(t, srv)
	if resp, _ := b.do("POST", "/api/0/auth/register/", "{"+creds+"}", nil); resp.StatusCode != http.StatusCreated {
		t.Fatal("register failed")
	}
	resp, body := b.do("POST", "/api/0/users/me/2fa/", "", b.csrf())
	var setup struct{ Secret, OtpauthURL string }
	_ = json.Unmarshal([]byte(body), &setup)
	if resp.StatusCode != http.StatusCreated || setup.Secret == "" || !strings.HasPrefix(setup.OtpauthURL, "otpauth://totp/Faultline") {
		t.Fatalf("start 2fa: %d %s", resp.StatusCode, body)
	}
	if resp, _ := b.do("POST", "/api/0/users/me/2fa/confirm/", `{"code":"000000"}`, b.csrf()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("confirm with a wrong code: %d, want 400", resp.StatusCode)
	}
	now := time.Now()
	code, _ := totp.GenerateCode(setup.Secret, now)
	resp, body = b.do("POST", "/api/0/users/me/2fa/confirm/", `{"code":"`+code+`"}`, b.csrf())
	var enabled struct{ RecoveryCodes []string }
	_ = json.Unmarshal([]byte(body), &enabled)
	if resp.StatusCode != http.StatusOK || len(enabled.RecoveryCodes) != 10 {
		t.Fatalf("confirm: %d %s", resp.StatusCode, body)
	}

	login := func(otp string) (int, string) {
		fresh := newBrowser(t, srv)
		extra := ""
		if otp != "" {
			extra = `,"otp":"` + otp + `"`
		}
		resp, body := fresh.do("POST", "/api/0/auth/login/", "{"+creds+extra+"}", nil)
		return resp.StatusCode, body
	}
	if code, body := login(""); code != http.StatusUnauthorized || !strings.Contains(body, `"twoFactorRequired":true`) {
		t.Errorf("password only: %d %s", code, body)
	}
	if code, _ := login(code); code != http.StatusUnauthorized {
		t.Errorf("the code used to confirm, again: %d, want 401", code)
	}
	next, _ := totp.GenerateCode(setup.Secret, now.Add(30*time.Second))
	if code, body := login(next); code != http.StatusOK {
		t.Errorf("a fresh code: %d %s", code, body)
	}
	if code, _ := login(next); code != http.StatusUnauthorized {
		t.Errorf("the same code twice: %d, want 401", code)
	}
	if code, body := login(enabled.RecoveryCodes[0]); code != http.StatusOK {
		t.Errorf("a recovery code: %d %s", code, body)
	}
	if code, _ := login(enabled.RecoveryCodes[0]); code != http.StatusUnauthorized {
		t.Errorf("a spent recovery code: %d, want 401", code)
	}

	if resp, _ := b.do("DELETE", "/api/0/users/me/2fa/", `{"password":"wrong"}`, b.csrf()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("turning 2fa off with a wrong password: %d, want 400", resp.StatusCode)
	}
	if resp, _ := b.do("DELETE", "/api/0/users/me/2fa/", `{"password":"kim password"}`, b.csrf()); resp.StatusCode != http.StatusNoContent {
		t.Errorf("turning 2fa off: %d", resp.StatusCode)
	}
	if code, _ := login(""); code != http.StatusOK {
		t.Errorf("password only after 2fa is off: %d", code)
	}

	proj := metadatatest.Project(t, srv.db, testSecret)
	if code := (apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}).call("POST", "/api/0/users/me/2fa/", "", nil); code != http.StatusForbidden {
		t.Errorf("2fa setup with a token: %d, want 403", code)
	}
}
