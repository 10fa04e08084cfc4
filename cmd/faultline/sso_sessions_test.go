package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
}
