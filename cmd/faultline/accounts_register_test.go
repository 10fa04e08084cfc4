package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/frontend/mail/mailtest"
	"github.com/faultline/faultline/metadata/metadatatest"
)

var confirmLink = regexp.MustCompile(`/verify-email/([A-Za-z0-9_-]{20,})`)

// confirmToken waits for a confirmation email to address and returns the
// token of its link.
func confirmToken(t *testing.T, smtp *mailtest.TestServer, address string) string {
	t.Helper()
	msg, ok := smtp.WaitFor(address, "/verify-email/", 10*time.Second)
	if !ok {
		t.Fatalf("no confirmation email to %s arrived", address)
	}
	return confirmLink.FindStringSubmatch(msg.Text())[1]
}

// signUp registers an account on a server that sends email, as a person
// does: register, follow the emailed confirmation link, log in.
func signUp(t *testing.T, srv *server, smtp *mailtest.TestServer, email, password string) *browser {
	t.Helper()
	b := newBrowser(t, srv)
	if resp, body := b.do("POST", "/api/0/auth/register/", `{"email":"`+email+`","password":"`+password+`"}`, nil); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("register %s: %d %s", email, resp.StatusCode, body)
	}
	if resp, body := b.do("POST", "/api/0/auth/verify-email/", `{"token":"`+confirmToken(t, smtp, email)+`"}`, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("confirm %s: %d %s", email, resp.StatusCode, body)
	}
	if resp, body := b.do("POST", "/api/0/auth/login/", `{"email":"`+email+`","password":"`+password+`"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %d %s", email, resp.StatusCode, body)
	}
	return b
}

// When the server sends email, registering a taken address answers exactly
// as registering a new one; the address's owner hears of it by email.
func TestRegistrationAnswersAlikeForTakenAddresses(t *testing.T) {
	srv, smtp := mailServer(t)
	email := metadatatest.Slug("kim") + "@example.com"
	var answers []string
	for _, password := range []string{"kim's password", "an attacker's password"} {
		b := newBrowser(t, srv)
		resp, body := b.do("POST", "/api/0/auth/register/", `{"email":"`+email+`","password":"`+password+`"}`, nil)
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("register %s: %d %s, want 202", email, resp.StatusCode, body)
		}
		if b.cookie("fl_session") != "" {
			t.Errorf("registration set a session cookie; the account is used after logging in")
		}
		answers = append(answers, body)
	}
	if answers[0] != answers[1] {
		t.Errorf("registering a new and a taken address answer differently: %s / %s", answers[0], answers[1])
	}
	if _, ok := smtp.WaitFor(email, "has one already", 10*time.Second); !ok {
		t.Error("the owner of the taken address was not told")
	}
	confirmToken(t, smtp, email)
	if resp, _ := newBrowser(t, srv).do("POST", "/api/0/auth/login/", `{"email":"`+email+`","password":"kim's password"}`, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("login with the first registration's password: %d", resp.StatusCode)
	}
	if resp, _ := newBrowser(t, srv).do("POST", "/api/0/auth/login/", `{"email":"`+email+`","password":"an attacker's password"}`, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("login with the second registration's password: %d, want 401", resp.StatusCode)
	}
}

// An invitation is accepted only by an account whose address is confirmed.
func TestInvitationNeedsAConfirmedAddress(t *testing.T) {
	srv, smtp := mailServer(t)
	owner := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	email := metadatatest.Slug("una") + "@example.com"
	var invite struct{ InviteLink string }
	if code := api.call("POST", "/api/0/organizations/"+owner.Organization+"/members/", `{"email":"`+email+`","role":"member"}`, &invite); code != http.StatusCreated {
		t.Fatalf("invite: %d", code)
	}
	accept := "/api/0/accept-invite/" + linkToken.FindStringSubmatch(invite.InviteLink)[1] + "/"

	b := newBrowser(t, srv)
	if resp, _ := b.do("POST", "/api/0/auth/register/", `{"email":"`+email+`","password":"una's password"}`, nil); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	if resp, _ := b.do("POST", "/api/0/auth/login/", `{"email":"`+email+`","password":"una's password"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	if resp, body := b.do("POST", accept, "", b.csrf()); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "confirm your email") {
		t.Errorf("accepting before confirming the address: %d %s, want 403", resp.StatusCode, body)
	}
	if resp, body := b.do("GET", "/api/0/", "", nil); !strings.Contains(body, `"emailVerified":false`) {
		t.Errorf("GET /api/0/ before confirming: %d %s", resp.StatusCode, body)
	}
	first := confirmToken(t, smtp, email)
	if resp, body := b.do("POST", "/api/0/users/me/verify-email/", "", b.csrf()); resp.StatusCode != http.StatusAccepted {
		t.Errorf("asking for another confirmation link: %d %s", resp.StatusCode, body)
	}
	if resp, body := b.do("POST", "/api/0/auth/verify-email/", `{"token":"`+first+`"}`, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("confirm: %d %s", resp.StatusCode, body)
	}
	if resp, _ := b.do("POST", "/api/0/auth/verify-email/", `{"token":"`+first+`"}`, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("reusing a confirmation link: %d, want 400", resp.StatusCode)
	}
	if resp, body := b.do("POST", accept, "", b.csrf()); resp.StatusCode != http.StatusOK {
		t.Errorf("accepting with a confirmed address: %d %s", resp.StatusCode, body)
	}
	if resp, body := b.do("POST", "/api/0/users/me/verify-email/", "", b.csrf()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("asking to confirm a confirmed address: %d %s, want 400", resp.StatusCode, body)
	}
}

// A registration the account rules refuse (a short password) is answered
// 400 before it takes a share of the address's email budget, so mistyped
// attempts do not lock the address out of registering.
func TestRefusedRegistrationSendsNoMail(t *testing.T) {
	srv, _ := mailServer(t)
	email := metadatatest.Slug("lee") + "@example.com"
	b := newBrowser(t, srv)
	for range 4 {
		resp, body := b.do("POST", "/api/0/auth/register/", `{"email":"`+email+`","password":"short"}`, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "at least 8 characters") {
			t.Fatalf("register with a short password: %d %s, want 400 naming the password rule", resp.StatusCode, body)
		}
	}
	if resp, body := b.do("POST", "/api/0/auth/register/", `{"email":"`+email+`","password":"long enough now"}`, nil); resp.StatusCode != http.StatusAccepted {
		t.Errorf("register after refused attempts: %d %s, want 202", resp.StatusCode, body)
	}
}
