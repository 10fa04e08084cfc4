package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/oauth2-proxy/mockoidc"
)

// Turning requireSso on ends the password sessions of the organization's
// members who are not owners at once: their next request answers 401. The
// owner's password session (break-glass), the member's single sign-on
// session and the member's API token keep working.
func TestSSORequiredEndsPasswordSessions(t *testing.T) {
	f := newSSOFixture(t)
	orgPath := "/api/0/organizations/" + f.owner.Organization + "/"
	var me struct{ User struct{ Email string } }
	apiClient{t: t, base: "http://" + f.srv.addr, token: f.owner.Token}.get("/api/0/", &me)

	member := metadatatest.Slug("member") + "@" + f.domain
	memberID, err := f.srv.db.CreateUser(t.Context(), metadata.NewUser{Email: member, Password: "member-password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.srv.db.AddMember(t.Context(), f.owner.OrganizationID, memberID, "member"); err != nil {
		t.Fatal(err)
	}
	token, err := f.srv.db.CreateToken(t.Context(), memberID, "ci", []string{"org:read"})
	if err != nil {
		t.Fatal(err)
	}
	passwordLogin := func(email, password string) *browser {
		b := newBrowser(t, f.srv)
		if resp, body := b.do("POST", "/api/0/auth/login/", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password), nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("password login of %s: %d %s", email, resp.StatusCode, body)
		}
		return b
	}
	memberPassword := passwordLogin(member, "member-password")
	owner := passwordLogin(me.User.Email, "test-password")

	// The member's single sign-on session: the identity is linked with the
	// account's password, which signs the browser in by single sign-on.
	sso := f.browser(t)
	resp, body := f.signIn(t, sso, &mockoidc.MockUser{Subject: metadatatest.Slug("sub"), Email: member, EmailVerified: true})
	frag, _ := url.ParseQuery(resp.Request.URL.Fragment)
	if frag.Get("sso-link") == "" {
		t.Fatalf("no link token: %s %d %s", resp.Request.URL, resp.StatusCode, body)
	}
	if resp, body := sso.do("POST", "/api/0/auth/sso/link/", fmt.Sprintf(`{"token":%q,"password":"member-password"}`, frag.Get("sso-link")), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("link: %d %s", resp.StatusCode, body)
	}

	status := func(b *browser) int {
		resp, _ := b.do("GET", orgPath, "", nil)
		return resp.StatusCode
	}
	for name, b := range map[string]*browser{"member's password session": memberPassword, "member's SSO session": sso.browser, "owner's session": owner} {
		if code := status(b); code != http.StatusOK {
			t.Fatalf("%s before requireSso: %d", name, code)
		}
	}
	resp, body = owner.do("PUT", orgPath, `{"requireSso":true}`, owner.csrf())
	var org struct {
		RequireSSO bool `json:"requireSso"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &org) != nil || !org.RequireSSO {
		t.Fatalf("owner turns requireSso on: %d %s", resp.StatusCode, body)
	}
	if code := status(memberPassword); code != http.StatusUnauthorized {
		t.Errorf("the member's password session after requireSso: %d, want 401", code)
	}
	if code := status(sso.browser); code != http.StatusOK {
		t.Errorf("the member's SSO session after requireSso: %d", code)
	}
	if code := status(owner); code != http.StatusOK {
		t.Errorf("the owner's password session after requireSso: %d", code)
	}
	var got map[string]any
	if code := (apiClient{t: t, base: "http://" + f.srv.addr, token: token.Token}).call("GET", orgPath, "", &got); code != http.StatusOK {
		t.Errorf("the member's API token after requireSso: %d", code)
	}

	// Later joiners and demoted owners: a password session that began
	// before they were a non-owner member ends too.
	late := metadatatest.Slug("late") + "@" + f.domain
	lateID, err := f.srv.db.CreateUser(t.Context(), metadata.NewUser{Email: late, Password: "late-password"})
	if err != nil {
		t.Fatal(err)
	}
	latePassword := passwordLogin(late, "late-password")
	coOwner := metadatatest.Slug("coowner") + "@" + f.domain
	coOwnerID, err := f.srv.db.CreateUser(t.Context(), metadata.NewUser{Email: coOwner, Password: "coowner-password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.srv.db.AddMember(t.Context(), f.owner.OrganizationID, coOwnerID, "owner"); err != nil {
		t.Fatal(err)
	}
	coOwnerPassword := passwordLogin(coOwner, "coowner-password")
	if err := f.srv.db.AddMember(t.Context(), f.owner.OrganizationID, lateID, "member"); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.db.SetMemberRole(t.Context(), f.owner.OrganizationID, coOwnerID, "manager"); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]*browser{"a later member's password session": latePassword, "a demoted owner's password session": coOwnerPassword} {
		if resp, _ := b.do("GET", "/api/0/", "", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, resp.StatusCode)
		}
	}
	if code := status(owner); code != http.StatusOK {
		t.Errorf("the owner's password session after the others ended: %d", code)
	}
}

// An account whose only second factor is a security key links a single
// sign-on identity with its password and its key: the password step
// answers a loginToken, whose key challenge is answered to the link route.
// The key's answer for another account's login does not link.
func TestSSOLinkTakesASecurityKey(t *testing.T) {
	cfg := localhostConfig(t)
	origin := cfg.URL
	f := newSSOFixtureWith(t, cfg)
	a := newKeyAccountAs(t, f.srv, origin, metadatatest.Slug("keylink")+"@"+f.domain)

	b := f.browser(t)
	b.base = origin // the sign-in's cookies belong to the public URL's host
	resp, body := f.signIn(t, b, &mockoidc.MockUser{Subject: metadatatest.Slug("sub"), Email: a.email, EmailVerified: true})
	frag, _ := url.ParseQuery(resp.Request.URL.Fragment)
	token := frag.Get("sso-link")
	if token == "" {
		t.Fatalf("no link token: %s %d %s", resp.Request.URL, resp.StatusCode, body)
	}
	resp, body = b.do("POST", "/api/0/auth/sso/link/", fmt.Sprintf(`{"token":%q,"password":%q}`, token, a.password), nil)
	var step struct {
		TwoFactorRequired bool
		Methods           []string
		LoginToken        string
	}
	if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal([]byte(body), &step) != nil || !step.TwoFactorRequired ||
		!slices.Contains(step.Methods, "webauthn") || step.LoginToken == "" || signedInAs(t, b.browser) != "" {
		t.Fatalf("password step of the link: %d %s", resp.StatusCode, body)
	}
	keyLink := func(loginToken, credential string) (*http.Response, string) {
		return b.do("POST", "/api/0/auth/sso/link/", fmt.Sprintf(`{"token":%q,"loginToken":%q,"credential":%s}`, token, loginToken, credential), nil)
	}
	// Another account's key login, though valid, links nothing.
	other := newKeyAccountAs(t, f.srv, origin, metadatatest.Slug("other")+"@example.com")
	ob, otherToken := other.passwordStep(t)
	if resp, body := keyLink(otherToken, other.key.get(beginKeyLogin(t, ob, otherToken), origin)); resp.StatusCode != http.StatusUnauthorized || signedInAs(t, b.browser) != "" {
		t.Fatalf("link with another account's key: %d %s", resp.StatusCode, body)
	}
	if resp, body := keyLink(step.LoginToken, a.key.get(beginKeyLogin(t, b.browser, step.LoginToken), origin)); resp.StatusCode != http.StatusOK ||
		signedInAs(t, b.browser) != a.email {
		t.Fatalf("link with the security key: %d %s", resp.StatusCode, body)
	}
	b2 := f.browser(t)
	b2.base = origin
	if resp, body := f.signIn(t, b2, &mockoidc.MockUser{Subject: "again", Email: a.email, EmailVerified: true}); resp.StatusCode != http.StatusConflict {
		t.Errorf("a second identity after linking: %d %s", resp.StatusCode, body)
	}
}

// A login with a password and a security key is recorded in the account's
// organizations with method key.
func TestAuditLogRecordsKeyLogins(t *testing.T) {
	srv, origin := localhostServer(t)
	a := newKeyAccount(t, srv, origin)
	owner := metadatatest.Project(t, srv.db, testSecret)
	keyLogin := func() *browser {
		b, token := a.passwordStep(t)
		if resp, body := finishKeyLogin(b, token, a.key.get(beginKeyLogin(t, b, token), origin)); resp.StatusCode != http.StatusOK {
			t.Fatalf("login with the key: %d %s", resp.StatusCode, body)
		}
		return b
	}
	var me struct{ User struct{ ID string } }
	if _, body := keyLogin().do("GET", "/api/0/", "", nil); json.Unmarshal([]byte(body), &me) != nil || me.User.ID == "" {
		t.Fatalf("who am I: %s", body)
	}
	userID, _ := strconv.ParseInt(me.User.ID, 10, 64)
	if err := srv.db.AddMember(t.Context(), owner.OrganizationID, userID, "member"); err != nil {
		t.Fatal(err)
	}
	keyLogin()
	// A failed key login: an answer to an earlier challenge.
	b, token := a.passwordStep(t)
	stale := a.key.get(beginKeyLogin(t, b, token), origin)
	b, token = a.passwordStep(t)
	beginKeyLogin(t, b, token)
	if resp, body := finishKeyLogin(b, token, stale); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a stale answer: %d %s", resp.StatusCode, body)
	}
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	for _, event := range []string{"member.login", "member.login-failed"} {
		code, body := api.getRaw("/api/0/organizations/" + owner.Organization + "/audit-logs/?event=" + event)
		var log auditAnswer
		if code != http.StatusOK || json.Unmarshal(body, &log) != nil {
			t.Fatalf("audit log: %d %s", code, body)
		}
		if len(log.Rows) != 1 || log.Rows[0].Actor == nil || log.Rows[0].Actor.Email != a.email || !strings.Contains(string(log.Rows[0].Data), `"method":"key"`) {
			t.Errorf("%s recorded: %s", event, body)
		}
	}
}
