package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/oauth2-proxy/mockoidc"
)

// provisionYAML is a provisioning file with one organization, acme, and the
// given ssoProviders block (indented under it).
func provisionYAML(t *testing.T, org, providers string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "faultline.yaml")
	if err := os.WriteFile(path, []byte("organizations:\n  - slug: "+org+"\n    ssoProviders:\n"+providers), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The provisioning file's organizations may list single sign-on providers,
// checked as FAULTLINE_OIDC_PROVIDERS's are (client secret by reference
// only), each being its organization's; with the variable's they are the
// server's providers, a slug defined twice being a mistake naming both.
func TestProvisionFileSSOProviders(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("file-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAULTLINE_TEST_SSO_SECRET", "env-s3cret")
	const good = `      - slug: acme-sso
        name: Acme SSO
        issuer: https://idp.acme.example
        clientId: faultline
        clientSecretFile: SECRET
        allowedDomains: [acme.example]
        defaultRole: admin
`
	ok := strings.Replace(good, "SECRET", secret, 1)
	env := `[{"slug":"corp","issuer":"https://idp.example.com","clientId":"fl","clientSecretEnv":"FAULTLINE_TEST_SSO_SECRET","allowedDomains":["example.com"]}]`
	s, err := config{OIDCProviders: env, ProvisionFile: provisionYAML(t, "acme", ok)}.parse()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.sso) != 2 || s.sso[0].Slug != "corp" || s.sso[0].ClientSecret != "env-s3cret" {
		t.Fatalf("providers: %+v", s.sso)
	}
	if p := s.sso[1]; p.Slug != "acme-sso" || p.Name != "Acme SSO" || p.Organization != "acme" || p.DefaultRole != "admin" ||
		p.ClientSecret != "file-s3cret" || strings.Join(p.Scopes, " ") != "openid email profile" {
		t.Errorf("the file's provider: %+v", p)
	}
	if s, err := (config{ProvisionFile: provisionYAML(t, "acme", strings.Replace(ok, "        defaultRole: admin\n", "", 1))}).parse(); err != nil ||
		len(s.sso) != 1 || s.sso[0].DefaultRole != "member" {
		t.Errorf("without defaultRole: %+v %v, want member", s.sso, err)
	}

	for _, c := range []struct{ name, file, env, says string }{
		{"inline secret", strings.Replace(good, "clientSecretFile: SECRET", "clientSecret: leak-inline", 1), "", "never inline"},
		{"no secret", strings.Replace(good, "        clientSecretFile: SECRET\n", "", 1), "", "exactly one of clientSecretEnv"},
		{"unset variable", strings.Replace(good, "clientSecretFile: SECRET", "clientSecretEnv: FAULTLINE_TEST_SSO_UNSET", 1), "", "FAULTLINE_TEST_SSO_UNSET is not set"},
		{"plain http", strings.Replace(ok, "https://idp.acme.example", "http://idp.acme.example", 1), "", "not an https URL"},
		{"no domains", strings.Replace(ok, "[acme.example]", "[]", 1), "", "allowedDomains is empty"},
		{"owner role", strings.Replace(ok, "defaultRole: admin", "defaultRole: owner", 1), "", "defaultRole owner"},
		{"another organization", ok + "        organization: other\n", "", "leave it out"},
		{"unknown field", ok + "        domains: [x]\n", "", "domains"},
		{"duplicate in the file", ok + ok, "", "slug acme-sso is used by another provider (in the provisioning file's organization acme)"},
		{"duplicate with the variable", ok, strings.Replace(env, `"corp"`, `"acme-sso"`, 1), "slug acme-sso is used by another provider (in FAULTLINE_OIDC_PROVIDERS)"},
	} {
		_, err := config{OIDCProviders: c.env, ProvisionFile: provisionYAML(t, "acme", strings.Replace(c.file, "SECRET", secret, 1))}.parse()
		if err == nil || !strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), "leak-inline") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v, want it to say %q (and no secret)", c.name, err, c.says)
		}
	}
	if _, err := (config{ProvisionFile: filepath.Join(t.TempDir(), "missing.yaml")}).parse(); err == nil || !strings.Contains(err.Error(), "FAULTLINE_PROVISION_FILE") {
		t.Errorf("a missing provisioning file: %v", err)
	}
	// faultline provision checks them too.
	if _, err := loadProvisionPlan(provisionYAML(t, "acme", strings.Replace(good, "clientSecretFile: SECRET", "clientSecret: leak-inline", 1))); err == nil ||
		!strings.Contains(err.Error(), "never inline") {
		t.Errorf("provision with an inline client secret: %v", err)
	}
}

// A provider from the provisioning file signs people in: a new account
// joins the provider's organization.
func TestProvisionedSSOProviderSignsIn(t *testing.T) {
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	owner := metadatatest.Project(t, metadatatest.Open(t), testSecret)
	t.Setenv("FAULTLINE_TEST_PROVISIONED_SSO_SECRET", idp.ClientSecret)
	domain := metadatatest.Slug("prov") + ".example"
	cfg := testConfig(t)
	cfg.ProvisionFile = provisionYAML(t, owner.Organization, `      - slug: corp
        name: Provisioned SSO
        issuer: `+idp.Issuer()+`
        clientId: `+idp.ClientID+`
        clientSecretEnv: FAULTLINE_TEST_PROVISIONED_SSO_SECRET
        allowedDomains: [`+domain+`]
`)
	f := &ssoFixture{srv: testServerWith(t, cfg), idp: idp, owner: owner, domain: domain}
	b := f.browser(t)
	var providers []struct{ Slug, Name string }
	if resp, body := b.do("GET", "/api/0/auth/providers/", "", nil); json.Unmarshal([]byte(body), &providers) != nil ||
		len(providers) != 1 || providers[0].Name != "Provisioned SSO" || strings.Contains(body, idp.ClientSecret) {
		t.Fatalf("providers: %d %s", resp.StatusCode, body)
	}
	user := f.user("prov", true)
	if resp, body := f.signIn(t, b, user); resp.StatusCode != http.StatusOK || signedInAs(t, b.browser) != user.Email {
		t.Fatalf("sign-in: %s %d %s", resp.Request.URL, resp.StatusCode, body)
	}
	var orgs []struct{ Slug, Role string }
	if _, body := b.do("GET", "/api/0/organizations/", "", nil); json.Unmarshal([]byte(body), &orgs) != nil ||
		len(orgs) != 1 || orgs[0].Slug != owner.Organization || orgs[0].Role != "member" {
		t.Errorf("organizations of the new account: %s", body)
	}
}
