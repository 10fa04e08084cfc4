package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSSOProviders(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAULTLINE_TEST_SSO_SECRET", "from-env")
	good := `{"slug":"corp","issuer":"https://idp.example.com/","clientId":"fl","clientSecretFile":"` + secret + `","allowedDomains":["Example.COM"],"organization":"acme"}`
	ps, errs := parseSSOProviders("["+good+"]", ssoSlugs{})
	if len(errs) > 0 || len(ps) != 1 {
		t.Fatalf("good provider: %v", errs)
	}
	p := ps[0]
	if p.Name != "corp" || p.Issuer != "https://idp.example.com" || p.ClientSecret != "s3cret" || p.AllowedDomains[0] != "example.com" ||
		p.DefaultRole != "member" || strings.Join(p.Scopes, " ") != "openid email profile" {
		t.Errorf("parsed: %+v", p)
	}
	ps, errs = parseSSOProviders(`[{"slug":"env","issuer":"http://127.0.0.1:9999/oidc","clientId":"fl","clientSecretEnv":"FAULTLINE_TEST_SSO_SECRET","allowedDomains":["a.example"],"scopes":["email"]}]`, ssoSlugs{})
	if len(errs) > 0 || ps[0].ClientSecret != "from-env" || strings.Join(ps[0].Scopes, " ") != "openid email" || ps[0].DefaultRole != "" {
		t.Errorf("secret from the environment, loopback http issuer: %+v %v", ps, errs)
	}
	for _, c := range []struct{ name, json, says string }{
		{"not JSON", `{`, "not a JSON array"},
		{"unknown field", `[{"slug":"x","issuer":"https://i.example","clientId":"c","clientSecretEnv":"FAULTLINE_TEST_SSO_SECRET","allowedDomains":["a.example"],"domains":[]}]`, "unknown field"},
		{"inline secret", strings.Replace(good, `"clientSecretFile"`, `"clientSecret":"leak","clientSecretFile"`, 1), "never inline"},
		{"no secret", strings.Replace(good, `"clientSecretFile":"`+secret+`",`, "", 1), "exactly one of clientSecretEnv"},
		{"unset variable", strings.Replace(good, `"clientSecretFile":"`+secret+`"`, `"clientSecretEnv":"FAULTLINE_TEST_SSO_UNSET"`, 1), "FAULTLINE_TEST_SSO_UNSET is not set"},
		{"plain http", strings.Replace(good, "https://idp.example.com/", "http://idp.example.com", 1), "not an https URL"},
		{"no domains", strings.Replace(good, `"allowedDomains":["Example.COM"]`, `"allowedDomains":[]`, 1), "allowedDomains is empty"},
		{"wildcard domain", strings.Replace(good, `"Example.COM"`, `"*"`, 1), "is not a domain"},
		{"owner role", strings.Replace(good, `"organization":"acme"`, `"organization":"acme","defaultRole":"owner"`, 1), "defaultRole owner"},
		{"role without organization", strings.Replace(good, `"organization":"acme"`, `"defaultRole":"admin"`, 1), "needs an organization"},
		{"bad slug", strings.Replace(good, `"slug":"corp"`, `"slug":"Corp SSO"`, 1), "slug must be"},
		{"duplicate slug", good + "," + good, "used by another provider"},
	} {
		raw := c.json
		if !strings.HasPrefix(raw, "[") && raw != "{" {
			raw = "[" + raw + "]"
		}
		_, errs := parseSSOProviders(raw, ssoSlugs{})
		var all []string
		for _, e := range errs {
			all = append(all, e.Error())
		}
		if msg := strings.Join(all, "; "); !strings.Contains(msg, c.says) || strings.Contains(msg, "leak") || strings.Contains(msg, "s3cret") {
			t.Errorf("%s: %q, want it to say %q (and no secret)", c.name, msg, c.says)
		}
	}
	// Through config: a mistake is reported with the other settings'.
	if _, err := (config{OIDCProviders: "[1]"}).parse(); err == nil || !strings.Contains(err.Error(), "FAULTLINE_OIDC_PROVIDERS") {
		t.Errorf("config with a bad provider list: %v", err)
	}
}
