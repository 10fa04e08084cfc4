package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/faultline/faultline/frontend"
	"github.com/faultline/faultline/metadata"
)

// ssoProviderJSON is one provider of FAULTLINE_OIDC_PROVIDERS, a JSON
// array, or of an organization's ssoProviders in the provisioning file.
// The client secret is given by reference only — the name of an
// environment variable or the path of a file — so it never sits in the
// variable or file that lists providers (nor in what prints it).
type ssoProviderJSON struct {
	Slug             string   `json:"slug" yaml:"slug"`
	Name             string   `json:"name" yaml:"name"`
	Issuer           string   `json:"issuer" yaml:"issuer"`
	ClientID         string   `json:"clientId" yaml:"clientId"`
	ClientSecretEnv  string   `json:"clientSecretEnv" yaml:"clientSecretEnv"`
	ClientSecretFile string   `json:"clientSecretFile" yaml:"clientSecretFile"`
	ClientSecret     *string  `json:"clientSecret" yaml:"clientSecret"` // refused: named so the mistake gets a clear message
	Scopes           []string `json:"scopes" yaml:"scopes"`
	AllowedDomains   []string `json:"allowedDomains" yaml:"allowedDomains"`
	Organization     string   `json:"organization" yaml:"organization"`
	DefaultRole      string   `json:"defaultRole" yaml:"defaultRole"`
}

// ssoSlugs notes where each provider slug was defined, so that a second
// definition, in the variable or the provisioning file, is a mistake that
// names both places.
type ssoSlugs map[string]string

// parseSSOProviders reads FAULTLINE_OIDC_PROVIDERS, resolving each client
// secret, and returns every mistake it finds; slugs notes their slugs.
func parseSSOProviders(raw string, slugs ssoSlugs) ([]frontend.SSOProvider, []error) {
	const env = "FAULTLINE_OIDC_PROVIDERS"
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var list []ssoProviderJSON
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, []error{fmt.Errorf("%s: not a JSON array of providers ({slug, name, issuer, clientId, clientSecretEnv or clientSecretFile, allowedDomains, ...}): %v", env, err)}
	}
	var out []frontend.SSOProvider
	var errs []error
	for i, p := range list {
		sp, perrs := checkSSOProvider(fmt.Sprintf("%s: provider %d (%s)", env, i+1, p.Slug), env, p, slugs)
		errs = append(errs, perrs...)
		out = append(out, sp)
	}
	return out, errs
}

// checkSSOProvider checks one provider defined at where (what, in full,
// for messages), resolving its client secret.
func checkSSOProvider(what, where string, p ssoProviderJSON, slugs ssoSlugs) (frontend.SSOProvider, []error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(what+": "+format, args...)) }
	if metadata.Slugify(p.Slug) != p.Slug || p.Slug == "" {
		bad("slug must be lowercase letters, digits, '-' and '_'")
	} else if first, ok := slugs[p.Slug]; ok {
		bad("slug %s is used by another provider (in %s); slugs must be unique across FAULTLINE_OIDC_PROVIDERS and the provisioning file", p.Slug, first)
	} else {
		slugs[p.Slug] = where
	}
	if p.Name == "" {
		p.Name = p.Slug
	}
	if u, err := url.Parse(p.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopbackHost(u.Hostname()))) {
		bad("issuer %q is not an https URL (plain http only on loopback, for tests)", p.Issuer)
	}
	if p.ClientID == "" {
		bad("clientId is missing")
	}
	if p.ClientSecret != nil {
		bad("give the client secret by clientSecretEnv (a variable's name) or clientSecretFile (a path), never inline")
	}
	var secret string
	if (p.ClientSecretEnv == "") == (p.ClientSecretFile == "") {
		bad("give exactly one of clientSecretEnv and clientSecretFile")
	} else if s, err := resolve("client secret", "", p.ClientSecretEnv, p.ClientSecretFile); err != nil {
		bad("%v", err)
	} else if s == "" {
		bad("the client secret is empty")
	} else {
		secret = s
	}
	domains := make([]string, 0, len(p.AllowedDomains))
	for _, d := range p.AllowedDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" || strings.ContainsAny(d, "@/ *") {
			bad("allowedDomains: %q is not a domain such as example.com", d)
		}
		domains = append(domains, d)
	}
	if len(domains) == 0 {
		bad("allowedDomains is empty: name the email domains whose people may sign in (e.g. [\"example.com\"])")
	}
	role := p.DefaultRole
	switch {
	case p.Organization == "" && role != "":
		bad("defaultRole needs an organization")
	case p.Organization != "" && role == "":
		role = "member"
	}
	if role == "owner" {
		bad("defaultRole owner would make everyone who signs in an owner; use member, admin or manager")
	} else if role != "" && !slices.Contains(metadata.Roles, role) {
		bad("defaultRole %q is not one of member, admin, manager", role)
	}
	scopes := p.Scopes
	if len(scopes) == 0 {
		scopes = []string{"openid", "email", "profile"}
	} else if !slices.Contains(scopes, "openid") {
		scopes = append([]string{"openid"}, scopes...)
	}
	return frontend.SSOProvider{Slug: p.Slug, Name: p.Name, Issuer: strings.TrimSuffix(p.Issuer, "/"), ClientID: p.ClientID,
		ClientSecret: secret, Scopes: scopes, AllowedDomains: domains, Organization: p.Organization, DefaultRole: role}, errs
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
