package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/frontend/mail/mailtest"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// mailServer runs Faultline with a real SMTP server behind it.
func mailServer(t *testing.T) (*server, *mailtest.TestServer) {
	smtp := mailtest.StartTestServer(t)
	srv := testServerWith(t, config{Listen: "127.0.0.1:0", DatabaseURL: metadatatest.URL(t),
		ClickHouseURL: analyticstest.URL(t), DataDir: t.TempDir(), SecretKey: testSecret,
		SMTPURL: "smtp://" + smtp.Addr + "?tls=none", EmailFrom: "faultline@example.com"})
	return srv, smtp
}

var linkToken = regexp.MustCompile(`/(?:reset-password|accept-invite)/([A-Za-z0-9_-]{20,})`)

// emailLink is the address of the page an email sends its reader to.
var emailLink = regexp.MustCompile(`https?://[^\s"<>]+/(?:reset-password|accept-invite)/[A-Za-z0-9_-]{20,}`)

// opensDashboard follows a link a person is sent, as their browser would,
// and requires the dashboard page (not a JSON 404) at the end of it.
func opensDashboard(t *testing.T, what, link string) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Errorf("%s %q: %v", what, link, err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(body), `id="app"`) || !strings.HasPrefix(resp.Request.URL.Path, "/app/") {
		t.Errorf("%s %q ends at %s: %d %s %.200s, want the dashboard's page", what, link, resp.Request.URL, resp.StatusCode,
			resp.Header.Get("Content-Type"), body)
	}
}

func TestPasswordResetByEmail(t *testing.T) {
	srv, smtp := mailServer(t)
	email := metadatatest.Slug("ann") + "@example.com"
	b := signUp(t, srv, smtp, email, "first password")
	_, known := b.do("POST", "/api/0/auth/password-reset/", `{"email":"`+email+`"}`, nil)
	resp, unknown := b.do("POST", "/api/0/auth/password-reset/", `{"email":"nobody-`+email+`"}`, nil)
	if resp.StatusCode != http.StatusAccepted || known != unknown {
		t.Errorf("reset answers differ or are not 202: %d %s / %s", resp.StatusCode, known, unknown)
	}
	msg, ok := smtp.WaitFor(email, "/reset-password/", 10*time.Second)
	if !ok {
		t.Fatal("no reset email arrived")
	}
	m := linkToken.FindStringSubmatch(msg.Text())
	if m == nil || !strings.Contains(msg.Text(), "Reset your Faultline password") {
		t.Fatalf("reset email without a link:\n%s", msg.Text())
	}
	opensDashboard(t, "the reset email's link", emailLink.FindString(msg.Text()))
	if resp, body := b.do("POST", "/api/0/auth/password-reset/confirm/", `{"token":"`+m[1]+`","password":"second password"}`, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("confirm: %d %s", resp.StatusCode, body)
	}
	if resp, _ := b.do("POST", "/api/0/auth/password-reset/confirm/", `{"token":"`+m[1]+`","password":"third password"}`, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("reusing a reset link: %d, want 400", resp.StatusCode)
	}
	if resp, _ := b.do("GET", "/api/0/", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a session from before the reset: %d, want 401", resp.StatusCode)
	}
	if resp, _ := b.do("POST", "/api/0/auth/login/", `{"email":"`+email+`","password":"second password"}`, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("login with the new password: %d", resp.StatusCode)
	}

	plain := testServer(t) // no SMTP configured
	if resp, body := newBrowser(t, plain).do("POST", "/api/0/auth/password-reset/", `{"email":"`+email+`"}`, nil); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "not configured") {
		t.Errorf("reset without email: %d %s", resp.StatusCode, body)
	}
}

func TestMembersAndInvitations(t *testing.T) {
	srv, smtp := mailServer(t)
	ctx := context.Background()
	owner := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	members := "/api/0/organizations/" + owner.Organization + "/members/"

	bobEmail := metadatatest.Slug("bob") + "@example.com"
	var invite struct{ InviteLink string }
	if code := api.call("POST", members, `{"email":"`+bobEmail+`","role":"member"}`, &invite); code != http.StatusCreated {
		t.Fatalf("invite: %d", code)
	}
	msg, ok := smtp.Wait(bobEmail, 10*time.Second)
	if !ok || !strings.Contains(msg.Text(), invite.InviteLink) {
		t.Fatalf("invitation email %v:\n%s", ok, msg.Text())
	}
	token := linkToken.FindStringSubmatch(invite.InviteLink)[1]
	opensDashboard(t, "the invitation answer's link", invite.InviteLink)
	opensDashboard(t, "the invitation email's link", emailLink.FindString(msg.Text()))

	// Someone else cannot use Bob's invitation.
	eve := signUp(t, srv, smtp, metadatatest.Slug("eve")+"@example.com", "eve password")
	if resp, body := eve.do("POST", "/api/0/accept-invite/"+token+"/", "", eve.csrf()); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "another email") {
		t.Errorf("accepting another's invitation: %d %s", resp.StatusCode, body)
	}
	bob := signUp(t, srv, smtp, bobEmail, "bob password")
	if resp, body := bob.do("POST", "/api/0/accept-invite/"+token+"/", "", bob.csrf()); resp.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d %s", resp.StatusCode, body)
	}
	if resp, _ := bob.do("POST", "/api/0/accept-invite/"+token+"/", "", bob.csrf()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("accepting twice: %d, want 400", resp.StatusCode)
	}
	if resp, _ := bob.do("GET", "/api/0/organizations/"+owner.Organization+"/", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("bob reading the organization: %d", resp.StatusCode)
	}
	var list []struct {
		ID, Email, Role string
		Pending         bool
	}
	api.get(members, &list)
	var bobID string
	for _, m := range list {
		if m.Email == bobEmail && m.Role == "member" && !m.Pending {
			bobID = m.ID
		}
	}
	if bobID == "" {
		t.Fatalf("members %+v: bob missing", list)
	}
	// Bob's session, a member's, gets a member's decisions: no invitations,
	// no new projects, but issues may be read.
	if resp, _ := bob.do("POST", members, `{"email":"x@example.com"}`, bob.csrf()); resp.StatusCode != http.StatusForbidden {
		t.Errorf("member inviting: %d, want 403", resp.StatusCode)
	}
	if resp, _ := bob.do("POST", "/api/0/organizations/"+owner.Organization+"/projects/", `{"name":"bobs"}`, bob.csrf()); resp.StatusCode != http.StatusForbidden {
		t.Errorf("member's session creating a project: %d, want 403", resp.StatusCode)
	}
	if resp, _ := bob.do("GET", fmt.Sprintf("/api/0/projects/%s/%s/issues/", owner.Organization, owner.Project), "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("member's session reading issues: %d", resp.StatusCode)
	}

	// A manager cannot grant owner, nor touch the owner.
	manager := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.AddMember(ctx, owner.OrganizationID, manager.UserID, "manager"); err != nil {
		t.Fatal(err)
	}
	mgr := apiClient{t: t, base: api.base, token: manager.Token}
	if code := mgr.call("POST", members, `{"email":"boss@example.com","role":"owner"}`, nil); code != http.StatusForbidden {
		t.Errorf("manager inviting an owner: %d, want 403", code)
	}
	if code := mgr.call("DELETE", fmt.Sprintf("%s%d/", members, owner.UserID), "", nil); code != http.StatusForbidden {
		t.Errorf("manager removing the owner: %d, want 403", code)
	}
	if code := mgr.call("PUT", members+bobID+"/", `{"role":"admin"}`, nil); code != http.StatusOK {
		t.Errorf("manager promoting bob to admin: %d", code)
	}
	// The last owner stays.
	if code := api.call("PUT", fmt.Sprintf("%s%d/", members, owner.UserID), `{"role":"member"}`, nil); code != http.StatusBadRequest {
		t.Errorf("demoting the last owner: %d, want 400", code)
	}
	if code := api.call("DELETE", members+bobID+"/", "", nil); code != http.StatusNoContent {
		t.Errorf("removing bob: %d", code)
	}
	if resp, _ := bob.do("GET", "/api/0/organizations/"+owner.Organization+"/", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("bob after removal: %d, want 404", resp.StatusCode)
	}
}
