package frontend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// SSOProvider is an OpenID Connect provider people sign in with.
type SSOProvider struct {
	Slug   string // in the login and callback URLs, and in linked identities: keep it stable
	Name   string // on the login page's button
	Issuer string // discovered at Issuer + /.well-known/openid-configuration
	// ClientID and ClientSecret are the client registered at the provider.
	ClientID     string
	ClientSecret string
	Scopes       []string // openid always among them
	// AllowedDomains are the email domains (lowercase) whose people may
	// sign in the first time: to a new account, or to link their account.
	AllowedDomains []string
	// Organization (a slug) takes new accounts with DefaultRole; none when
	// empty.
	Organization string
	DefaultRole  string
}

// LogValue leaves the client secret out of logs.
func (p SSOProvider) LogValue() slog.Value {
	return slog.GroupValue(slog.String("slug", p.Slug), slog.String("issuer", p.Issuer), slog.String("client_id", p.ClientID))
}

// ssoDiscoveryRetry is how long a failed discovery is remembered, so that
// a provider that is down is not asked again by every login.
const ssoDiscoveryRetry = 5 * time.Second

// ssoHTTPTimeout bounds each request to a provider.
const ssoHTTPTimeout = 10 * time.Second

// ssoClient is a configured provider, discovered on first use: a provider
// that is down when Faultline starts keeps no one from logging in with a
// password, and is tried again later.
type ssoClient struct {
	cfg  SSOProvider
	http *http.Client

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
	failedAt time.Time
	failure  error
}

func newSSOClients(providers []SSOProvider) map[string]*ssoClient {
	out := make(map[string]*ssoClient, len(providers))
	for _, p := range providers {
		out[p.Slug] = &ssoClient{cfg: p, http: &http.Client{Timeout: ssoHTTPTimeout}}
	}
	return out
}

// endpoints discovers the provider once, answering its OAuth2 settings
// (with redirectURL) and its ID token verifier.
func (s *ssoClient) endpoints(ctx context.Context, redirectURL string) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.oauth != nil {
		return s.oauth, s.verifier, nil
	}
	if s.failure != nil && time.Since(s.failedAt) < ssoDiscoveryRetry {
		return nil, nil, s.failure
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, s.http), ssoHTTPTimeout)
	defer cancel()
	p, err := oidc.NewProvider(ctx, s.cfg.Issuer)
	if err != nil {
		s.failedAt, s.failure = time.Now(), fmt.Errorf("discover %s at %s: %w", s.cfg.Slug, s.cfg.Issuer, err)
		return nil, nil, s.failure
	}
	s.oauth = &oauth2.Config{ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirectURL, Scopes: s.cfg.Scopes}
	s.verifier = p.Verifier(&oidc.Config{ClientID: s.cfg.ClientID})
	return s.oauth, s.verifier, nil
}

// allowsDomain reports whether the email's domain is one the provider may
// sign in the first time.
func (p SSOProvider) allowsDomain(email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	domain := strings.ToLower(email[at+1:])
	for _, d := range p.AllowedDomains {
		if d == domain {
			return true
		}
	}
	return false
}

// ssoClaims are the ID token's claims Faultline reads. Some providers send
// email_verified as a string.
type ssoClaims struct {
	Email         string    `json:"email"`
	EmailVerified jsonTruth `json:"email_verified"`
}

type jsonTruth bool

func (b *jsonTruth) UnmarshalJSON(v []byte) error {
	switch string(v) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null":
		*b = false
	default:
		return errors.New("email_verified is not true or false")
	}
	return nil
}
