package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/pquerna/otp/totp"
)

// ssoFixture is a Faultline server with one OpenID Connect provider, a
// mock identity provider run by the test, whose sign-ups join owner's
// organization as members.
type ssoFixture struct {
	srv    *server
	idp    *mockoidc.MockOIDC
	owner  metadata.BootstrapResult
	domain string // the provider's allowed email domain
}

func newSSOFixture(t *testing.T) *ssoFixture {
	t.Helper()
	return newSSOFixtureWith(t, testConfig(t))
}

// newSSOFixtureWith is newSSOFixture on the given configuration.
func newSSOFixtureWith(t *testing.T, cfg config) *ssoFixture {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	owner := metadatatest.Project(t, metadatatest.Open(t), testSecret)
	secretFile := filepath.Join(t.TempDir(), "client-secret")
	if err := os.WriteFile(secretFile, []byte(idp.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &ssoFixture{idp: idp, owner: owner, domain: metadatatest.Slug("corp") + ".example"}
	providers, _ := json.Marshal([]map[string]any{{"slug": "corp", "name": "Corp SSO", "issuer": idp.Issuer(), "clientId": idp.ClientID,
		"clientSecretFile": secretFile, "allowedDomains": []string{strings.ToUpper(f.domain)}, "organization": owner.Organization, "defaultRole": "member"}})
	cfg.OIDCProviders = string(providers)
	f.srv = testServerWith(t, cfg)
	return f
}

// ssoBrowser is a browser that follows redirects, through the identity
// provider and back, noting every URL it was sent to.
type ssoBrowser struct {
	*browser
	visited []*url.URL
}

func (f *ssoFixture) browser(t *testing.T) *ssoBrowser {
	b := &ssoBrowser{browser: newBrowser(t, f.srv)}
	b.c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		b.visited = append(b.visited, req.URL)
		return nil
	}
	return b
}

// stopAtIdP makes the browser stop at the identity provider's door, so a
// test can answer the callback itself; it returns the sign-in's state.
func (b *ssoBrowser) startOnly(t *testing.T) string {
	t.Helper()
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer func() { b.c.CheckRedirect = nil }()
	resp, body := b.do("GET", "/auth/sso/corp/login", "", nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("start sign-in: %d %s", resp.StatusCode, body)
	}
	to, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := to.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Fatalf("the provider is asked without PKCE S256, nonce or state: %s", to)
	}
	return q.Get("state")
}

// signIn signs in at the provider as user and returns the last answer.
func (f *ssoFixture) signIn(t *testing.T, b *ssoBrowser, user *mockoidc.MockUser) (*http.Response, string) {
	t.Helper()
	f.idp.QueueUser(user)
	return b.do("GET", "/auth/sso/corp/login", "", nil)
}

// signedInAs answers the email of the browser's session, "" without one.
func signedInAs(t *testing.T, b *browser) string {
	t.Helper()
	resp, body := b.do("GET", "/api/0/", "", nil)
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	var me struct{ User struct{ Email string } }
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		t.Fatal(err)
	}
	return me.User.Email
}

func (f *ssoFixture) user(local string, verified bool) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: metadatatest.Slug("sub"), Email: metadatatest.Slug(local) + "@" + f.domain, EmailVerified: verified}
}

func TestSSOSignUpAndLogin(t *testing.T) {
	f := newSSOFixture(t)
	b := f.browser(t)
	var providers []struct{ Slug, Name string }
	if resp, body := b.do("GET", "/api/0/auth/providers/", "", nil); resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &providers) != nil ||
		len(providers) != 1 || providers[0].Slug != "corp" || providers[0].Name != "Corp SSO" || strings.Contains(body, f.idp.ClientSecret) {
		t.Fatalf("providers: %d %s", resp.StatusCode, body)
	}

	jane := f.user("jane", true)
	resp, body := f.signIn(t, b, jane)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/app/" {
		t.Fatalf("sign-in ended at %s: %d %s", resp.Request.URL, resp.StatusCode, body)
	}
	if got := signedInAs(t, b.browser); got != jane.Email {
		t.Fatalf("signed in as %q, want %q", got, jane.Email)
	}
	// The new account joined the provider's organization as a member.
	var orgs []struct{ Slug, Role string }
	if resp, body := b.do("GET", "/api/0/organizations/", "", nil); resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &orgs) != nil ||
		len(orgs) != 1 || orgs[0].Slug != f.owner.Organization || orgs[0].Role != "member" {
		t.Fatalf("organizations of the new account: %s", body)
	}
	// A session made by single sign-on acts like a password one: CSRF
	// checked on changes, logout ends it.
	if resp, _ := b.do("POST", "/api/0/auth/logout/", "", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without the CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := b.do("POST", "/api/0/auth/logout/", "", b.csrf()); resp.StatusCode != http.StatusNoContent {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	// Later sign-ins find the account by subject, whatever the email says now.
	again := *jane
	again.Email = metadatatest.Slug("renamed") + "@elsewhere.example"
	b2 := f.browser(t)
	if resp, body := f.signIn(t, b2, &again); resp.StatusCode != http.StatusOK || signedInAs(t, b2.browser) != jane.Email {
		t.Fatalf("second sign-in: %d %s, signed in as %q", resp.StatusCode, body, signedInAs(t, b2.browser))
	}
	// The account has no password to log in with.
	if resp, _ := f.browser(t).do("POST", "/api/0/auth/login/", `{"email":"`+jane.Email+`","password":"`+jane.Subject+`"}`, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("password login of an account made by single sign-on: %d", resp.StatusCode)
	}
	if resp, _ := b.do("GET", "/auth/sso/nope/login", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown provider: %d", resp.StatusCode)
	}
}

// Every refused sign-in answers a page with a 4xx status and leaves the
// browser without a session.
func TestSSORefusals(t *testing.T) {
	f := newSSOFixture(t)
	refused := func(t *testing.T, b *ssoBrowser, resp *http.Response, body string, status int, says string) {
		t.Helper()
		if resp.StatusCode != status || !strings.Contains(body, says) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("answer %d %q (%s), want %d saying %q", resp.StatusCode, body, resp.Header.Get("Content-Type"), status, says)
		}
		if b.cookie("fl_session") != "" || signedInAs(t, b.browser) != "" {
			t.Error("a refused sign-in left a session")
		}
	}

	// A complete sign-in, whose callback URL the replays below reuse.
	first := f.browser(t)
	if resp, body := f.signIn(t, first, f.user("first", true)); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	var callback *url.URL
	for _, u := range first.visited {
		if strings.HasSuffix(u.Path, "/auth/sso/corp/callback") {
			callback = u
		}
	}
	if callback == nil {
		t.Fatalf("no callback among %v", first.visited)
	}

	t.Run("replayed callback, state cookie and all", func(t *testing.T) {
		b := f.browser(t)
		resp, body := b.do("GET", callback.RequestURI(), "", map[string]string{"Cookie": "fl_sso_state=" + callback.Query().Get("state")})
		refused(t, b, resp, body, http.StatusBadRequest, "finished already or has expired")
	})
	t.Run("replayed code under a new state", func(t *testing.T) {
		b := f.browser(t)
		state := b.startOnly(t)
		resp, body := b.do("GET", "/auth/sso/corp/callback?"+url.Values{"state": {state}, "code": {callback.Query().Get("code")}}.Encode(), "", nil)
		refused(t, b, resp, body, http.StatusUnauthorized, "did not accept this sign-in")
	})
	t.Run("wrong state", func(t *testing.T) {
		b := f.browser(t)
		b.startOnly(t)
		resp, body := b.do("GET", "/auth/sso/corp/callback?state=forged&code=whatever", "", nil)
		refused(t, b, resp, body, http.StatusBadRequest, "not started in this browser")
	})
	t.Run("state of another browser", func(t *testing.T) {
		// Login CSRF: a victim sent to a callback URL that the attacker's
		// browser started.
		state := f.browser(t).startOnly(t)
		b := f.browser(t)
		resp, body := b.do("GET", "/auth/sso/corp/callback?"+url.Values{"state": {state}, "code": {"x"}}.Encode(), "", nil)
		refused(t, b, resp, body, http.StatusBadRequest, "not started in this browser")
	})
	t.Run("provider error", func(t *testing.T) {
		b := f.browser(t)
		state := b.startOnly(t)
		q := url.Values{"state": {state}, "error": {"access_denied"}, "error_description": {"the user said <no>"}}
		resp, body := b.do("GET", "/auth/sso/corp/callback?"+q.Encode(), "", nil)
		refused(t, b, resp, body, http.StatusUnauthorized, "access_denied: the user said &lt;no&gt;")
	})
	t.Run("email not verified", func(t *testing.T) {
		b := f.browser(t)
		resp, body := f.signIn(t, b, f.user("unverified", false))
		refused(t, b, resp, body, http.StatusForbidden, "verified addresses only")
	})
	t.Run("domain not allowed", func(t *testing.T) {
		b := f.browser(t)
		resp, body := f.signIn(t, b, &mockoidc.MockUser{Subject: metadatatest.Slug("sub"), Email: metadatatest.Slug("out") + "@other.example", EmailVerified: true})
		refused(t, b, resp, body, http.StatusForbidden, "at other.example may not sign in")
	})
}

// A sign-in whose email has an account already links to it only once the
// account's password is given; then the identity signs it in directly.
func TestSSOLinkNeedsThePassword(t *testing.T) {
	f := newSSOFixture(t)
	email := metadatatest.Slug("local") + "@" + f.domain
	if _, err := f.srv.db.CreateUser(t.Context(), metadata.NewUser{Email: email, Password: "local-password"}); err != nil {
		t.Fatal(err)
	}
	idpUser := &mockoidc.MockUser{Subject: metadatatest.Slug("sub"), Email: email, EmailVerified: true}
	b := f.browser(t)
	resp, body := f.signIn(t, b, idpUser)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/app/login" {
		t.Fatalf("sign-in for an existing account ended at %s: %d %s", resp.Request.URL, resp.StatusCode, body)
	}
	if signedInAs(t, b.browser) != "" {
		t.Fatal("single sign-on signed in an existing account before its password was given")
	}
	frag, err := url.ParseQuery(resp.Request.URL.Fragment)
	if err != nil || frag.Get("sso-link") == "" || frag.Get("email") != email || frag.Get("provider") != "Corp SSO" {
		t.Fatalf("link fragment: %q", resp.Request.URL.Fragment)
	}
	token := frag.Get("sso-link")
	link := func(password string) (*http.Response, string) {
		return b.do("POST", "/api/0/auth/sso/link/", fmt.Sprintf(`{"token":%q,"password":%q}`, token, password), nil)
	}
	if resp, body := link("wrong-password"); resp.StatusCode != http.StatusUnauthorized || signedInAs(t, b.browser) != "" {
		t.Fatalf("link with a wrong password: %d %s", resp.StatusCode, body)
	}
	if resp, body := link("local-password"); resp.StatusCode != http.StatusOK || signedInAs(t, b.browser) != email {
		t.Fatalf("link with the password: %d %s", resp.StatusCode, body)
	}
	if resp, body := link("local-password"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the link token used again: %d %s", resp.StatusCode, body)
	}
	b2 := f.browser(t)
	if resp, body := f.signIn(t, b2, idpUser); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/app/" || signedInAs(t, b2.browser) != email {
		t.Fatalf("sign-in after linking: %s %d %s", resp.Request.URL, resp.StatusCode, body)
	}
	// Another identity of the same provider with that email is refused.
	b3 := f.browser(t)
	resp, body = f.signIn(t, b3, &mockoidc.MockUser{Subject: metadatatest.Slug("sub"), Email: email, EmailVerified: true})
	if resp.StatusCode != http.StatusConflict || signedInAs(t, b3.browser) != "" {
		t.Errorf("a second identity for a linked account: %d %s", resp.StatusCode, body)
	}
}

// With requireSso on, a member who is not an owner cannot log in with a
// password; an owner can (break-glass). Only owners change the setting.
func TestSSORequiredRefusesPasswordLogin(t *testing.T) {
	f := newSSOFixture(t)
	base := "http://" + f.srv.addr
	ownerAPI := apiClient{t: t, base: base, token: f.owner.Token}
	orgPath := "/api/0/organizations/" + f.owner.Organization + "/"
	var ownerEmail struct{ User struct{ Email string } }
	ownerAPI.get("/api/0/", &ownerEmail)

	member := metadatatest.Slug("member") + "@example.com"
	memberID, err := f.srv.db.CreateUser(t.Context(), metadata.NewUser{Email: member, Password: "member-password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.srv.db.AddMember(t.Context(), f.owner.OrganizationID, memberID, "manager"); err != nil {
		t.Fatal(err)
	}
	login := func(email, password string) (int, string) {
		resp, body := newBrowser(t, f.srv).do("POST", "/api/0/auth/login/", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password), nil)
		return resp.StatusCode, body
	}
	if code, body := login(member, "member-password"); code != http.StatusOK {
		t.Fatalf("member login before requireSso: %d %s", code, body)
	}
	// A manager may not change it.
	mb := newBrowser(t, f.srv)
	mb.do("POST", "/api/0/auth/login/", fmt.Sprintf(`{"email":%q,"password":"member-password"}`, member), nil)
	if resp, body := mb.do("PUT", orgPath, `{"requireSso":true}`, mb.csrf()); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a manager turned requireSso on: %d %s", resp.StatusCode, body)
	}
	if code := ownerAPI.call("PUT", orgPath, `{}`, nil); code != http.StatusBadRequest {
		t.Errorf("PUT without requireSso: %d", code)
	}
	var org struct {
		RequireSSO bool `json:"requireSso"`
	}
	if code := ownerAPI.call("PUT", orgPath, `{"requireSso":true}`, &org); code != http.StatusOK || !org.RequireSSO {
		t.Fatalf("owner turns requireSso on: %d %+v", code, org)
	}
	if ownerAPI.get(orgPath, &org); !org.RequireSSO {
		t.Fatal("GET does not show requireSso on")
	}
	if code, body := login(member, "member-password"); code != http.StatusForbidden || !strings.Contains(body, "single sign-on") || !strings.Contains(body, "Corp SSO") {
		t.Errorf("member password login with requireSso: %d %s", code, body)
	}
	if code, body := login(member, "wrong-password"); code != http.StatusUnauthorized {
		t.Errorf("a wrong password with requireSso: %d %s (the requirement shows only to who knows the password)", code, body)
	}
	if code, body := login(ownerEmail.User.Email, "test-password"); code != http.StatusOK {
		t.Errorf("owner password login with requireSso: %d %s", code, body)
	}
	if code := ownerAPI.call("PUT", orgPath, `{"requireSso":false}`, &org); code != http.StatusOK || org.RequireSSO {
		t.Fatalf("owner turns requireSso off: %d", code)
	}
	if code, body := login(member, "member-password"); code != http.StatusOK {
		t.Errorf("member login after requireSso is off: %d %s", code, body)
	}
}

// Without a provider, requireSso cannot be turned on: no member could log in.
func TestSSORequiredNeedsAProvider(t *testing.T) {
	srv := testServer(t)
	owner := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	if code, detail := api.callDetail("PUT", "/api/0/organizations/"+owner.Organization+"/", `{"requireSso":true}`); code != http.StatusBadRequest ||
		!strings.Contains(detail, "requireSso") {
		t.Errorf("requireSso without a provider: %d %s", code, detail)
	}
	resp, err := http.Get("http://" + srv.addr + "/api/0/auth/providers/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.TrimSpace(string(b)) != "[]" {
		t.Errorf("providers without configuration: %s", b)
	}
}

// TestSSOInBrowser signs in from the login page's button in headless
// Chromium: to the identity provider and back to the dashboard.
func TestSSOInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	f := newSSOFixture(t)
	user := f.user("browser", true)
	f.idp.QueueUser(user)
	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "sso"))
	if out, err := runBrowserScript(dir, chromium, 120*time.Second, "sso.mjs", "http://"+f.srv.addr, "Corp SSO", user.Email, shots); err != nil {
		t.Fatalf("sso.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
}

// Linking an account with two-factor login on takes its second factor too.
func TestSSOLinkAsksForTheSecondFactor(t *testing.T) {
	f := newSSOFixture(t)
	email := metadatatest.Slug("twofa") + "@" + f.domain
	if _, err := f.srv.db.CreateUser(t.Context(), metadata.NewUser{Email: email, Password: "local-password"}); err != nil {
		t.Fatal(err)
	}
	owner := newBrowser(t, f.srv)
	if resp, body := owner.do("POST", "/api/0/auth/login/", fmt.Sprintf(`{"email":%q,"password":"local-password"}`, email), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	_, body := owner.do("POST", "/api/0/users/me/2fa/", "", owner.csrf())
	var setup struct{ Secret string }
	_ = json.Unmarshal([]byte(body), &setup)
	code, _ := totp.GenerateCode(setup.Secret, time.Now())
	_, body = owner.do("POST", "/api/0/users/me/2fa/confirm/", `{"code":"`+code+`"}`, owner.csrf())
	var enabled struct{ RecoveryCodes []string }
	if json.Unmarshal([]byte(body), &enabled) != nil || len(enabled.RecoveryCodes) == 0 {
		t.Fatalf("turn two-factor on: %s", body)
	}

	b := f.browser(t)
	resp, body := f.signIn(t, b, &mockoidc.MockUser{Subject: metadatatest.Slug("sub"), Email: email, EmailVerified: true})
	frag, _ := url.ParseQuery(resp.Request.URL.Fragment)
	token := frag.Get("sso-link")
	if token == "" {
		t.Fatalf("no link token: %s %d %s", resp.Request.URL, resp.StatusCode, body)
	}
	link := func(extra string) (*http.Response, string) {
		return b.do("POST", "/api/0/auth/sso/link/", fmt.Sprintf(`{"token":%q,"password":"local-password"%s}`, token, extra), nil)
	}
	if resp, body := link(""); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"twoFactorRequired":true`) || signedInAs(t, b.browser) != "" {
		t.Fatalf("link without the second factor: %d %s", resp.StatusCode, body)
	}
	if resp, body := link(`,"otp":"000000"`); resp.StatusCode != http.StatusUnauthorized || signedInAs(t, b.browser) != "" {
		t.Fatalf("link with a wrong code: %d %s", resp.StatusCode, body)
	}
	if resp, body := link(`,"otp":"` + enabled.RecoveryCodes[0] + `"`); resp.StatusCode != http.StatusOK || signedInAs(t, b.browser) != email {
		t.Fatalf("link with a recovery code: %d %s", resp.StatusCode, body)
	}
}
