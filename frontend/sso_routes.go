package frontend

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"net/url"
	"sort"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/oauth2"
)

const (
	// ssoStateCookie binds a sign-in to the browser that started it, so a
	// callback URL made in another browser (login CSRF) is refused.
	ssoStateCookie = "fl_sso_state"
	ssoStateTTL    = 10 * time.Minute
	ssoLinkTTL     = 10 * time.Minute
	// ssoFinishTimeout bounds a callback's requests to the provider.
	ssoFinishTimeout = 20 * time.Second
)

// ssoFault is a sign-in refused, with the status and the message the
// person sees; reason counts it.
type ssoFault struct {
	status  int
	reason  string
	message string
}

func (f *ssoFault) Error() string { return f.message }

func refuseSSO(status int, reason, message string) error {
	return &ssoFault{status: status, reason: reason, message: message}
}

// listSSOProviders answers the providers the login page offers.
func (a *API) listSSOProviders(c *fiber.Ctx) error {
	out := make([]fiber.Map, 0, len(a.sso))
	for _, p := range a.sso {
		out = append(out, fiber.Map{"slug": p.cfg.Slug, "name": p.cfg.Name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["name"].(string) < out[j]["name"].(string) })
	return c.JSON(out)
}

func (a *API) ssoRedirectURL(slug string) string {
	return a.opts.PublicURL + "/auth/sso/" + url.PathEscape(slug) + "/callback"
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ssoLogin starts a sign-in: a state (one use, kept server-side and in a
// cookie of this browser), a nonce and a PKCE verifier, then the provider.
func (a *API) ssoLogin(c *fiber.Ctx) error {
	return a.ssoPage(c, func() error {
		p, err := a.ssoProvider(c)
		if err != nil {
			return err
		}
		conf, _, err := p.endpoints(c.UserContext(), a.ssoRedirectURL(p.cfg.Slug))
		if err != nil {
			a.log.Warn("single sign-on provider unreachable", "provider", p.cfg.Slug, "err", err)
			return refuseSSO(fiber.StatusServiceUnavailable, "sso_unreachable", p.cfg.Name+" cannot be reached right now; try again shortly, or log in with your password")
		}
		state, login := randomString(), metadata.SSOLogin{Nonce: randomString(), Verifier: oauth2.GenerateVerifier()}
		if err := a.db.StartSSOLogin(c.UserContext(), state, p.cfg.Slug, login, ssoStateTTL); err != nil {
			return err
		}
		c.Cookie(&fiber.Cookie{Name: ssoStateCookie, Value: state, Path: "/auth/sso/", MaxAge: int(ssoStateTTL / time.Second),
			HTTPOnly: true, Secure: a.opts.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Redirect(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(login.Verifier), oidc.Nonce(login.Nonce)), fiber.StatusFound)
	})
}

func (a *API) ssoProvider(c *fiber.Ctx) (*ssoClient, error) {
	p, ok := a.sso[c.Params("provider")]
	if !ok {
		return nil, refuseSSO(fiber.StatusNotFound, "sso_unknown_provider", "there is no single sign-on provider by that name")
	}
	return p, nil
}

// ssoCallback finishes a sign-in: the state must be this browser's and
// unused, the code is exchanged with its PKCE verifier, the ID token is
// verified and must carry the nonce. A known identity signs in its
// account; a new one signs up, or waits to be linked to the account with
// its email (see FirstSSOLogin).
func (a *API) ssoCallback(c *fiber.Ctx) error {
	// The state cookie is spent whatever happens next.
	c.Cookie(&fiber.Cookie{Name: ssoStateCookie, Value: "", Path: "/auth/sso/", Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, Secure: a.opts.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.ssoPage(c, func() error {
		p, err := a.ssoProvider(c)
		if err != nil {
			return err
		}
		state, bound := c.Query("state"), c.Cookies(ssoStateCookie)
		if state == "" || !constantTimeEqual(state, bound) {
			return refuseSSO(fiber.StatusBadRequest, "sso_state", "this sign-in was not started in this browser, or took too long; start again from the login page")
		}
		login, err := a.db.TakeSSOLogin(c.UserContext(), state, p.cfg.Slug)
		if errors.Is(err, metadata.ErrNotFound) {
			return refuseSSO(fiber.StatusBadRequest, "sso_state", "this sign-in was finished already or has expired; start again from the login page")
		}
		if err != nil {
			return err
		}
		if e := c.Query("error"); e != "" {
			msg := p.cfg.Name + " did not sign you in (" + truncate(e, 100)
			if d := c.Query("error_description"); d != "" {
				msg += ": " + truncate(d, 300)
			}
			return refuseSSO(fiber.StatusUnauthorized, "sso_provider_error", msg+")")
		}
		code := c.Query("code")
		if code == "" {
			return refuseSSO(fiber.StatusBadRequest, "sso_no_code", p.cfg.Name+" sent no authorization code; start again from the login page")
		}
		ctx, cancel := context.WithTimeout(context.WithValue(c.UserContext(), oauth2.HTTPClient, p.http), ssoFinishTimeout)
		defer cancel()
		conf, verifier, err := p.endpoints(ctx, a.ssoRedirectURL(p.cfg.Slug))
		if err != nil {
			a.log.Warn("single sign-on provider unreachable", "provider", p.cfg.Slug, "err", err)
			return refuseSSO(fiber.StatusServiceUnavailable, "sso_unreachable", p.cfg.Name+" cannot be reached right now; try again shortly")
		}
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(login.Verifier))
		if err != nil {
			var re *oauth2.RetrieveError
			if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
				return refuseSSO(fiber.StatusUnauthorized, "sso_code", p.cfg.Name+" did not accept this sign-in's code (it was used already or has expired); start again from the login page")
			}
			a.log.Warn("single sign-on code exchange failed", "provider", p.cfg.Slug, "err", err)
			return refuseSSO(fiber.StatusServiceUnavailable, "sso_unreachable", p.cfg.Name+" did not answer; try again shortly")
		}
		raw, _ := tok.Extra("id_token").(string)
		if raw == "" {
			return refuseSSO(fiber.StatusUnauthorized, "sso_token", p.cfg.Name+" sent no ID token")
		}
		idt, err := verifier.Verify(ctx, raw)
		if err != nil {
			a.log.Info("single sign-on ID token refused", "provider", p.cfg.Slug, "err", err)
			return refuseSSO(fiber.StatusUnauthorized, "sso_token", "the ID token "+p.cfg.Name+" sent is not valid for this server")
		}
		if !constantTimeEqual(idt.Nonce, login.Nonce) {
			return refuseSSO(fiber.StatusUnauthorized, "sso_nonce", "the ID token "+p.cfg.Name+" sent belongs to another sign-in; start again from the login page")
		}
		var claims ssoClaims
		if err := idt.Claims(&claims); err != nil {
			return refuseSSO(fiber.StatusUnauthorized, "sso_token", "the ID token "+p.cfg.Name+" sent has claims Faultline cannot read: "+err.Error())
		}
		return a.ssoSignIn(c, p.cfg, metadata.Identity{Provider: p.cfg.Slug, Subject: idt.Subject, Email: claims.Email}, bool(claims.EmailVerified))
	})
}

// ssoSignIn signs in the identity's account, creating it on a first
// sign-in, or sends the browser to confirm a link with the password of the
// account that has the identity's email.
func (a *API) ssoSignIn(c *fiber.Ctx, p SSOProvider, id metadata.Identity, verified bool) error {
	userID, err := a.db.IdentityUser(c.UserContext(), id.Provider, id.Subject)
	if errors.Is(err, metadata.ErrNotFound) {
		if id.Email == "" || !verified {
			return refuseSSO(fiber.StatusForbidden, "sso_unverified", p.Name+" did not vouch for your email address (email_verified); Faultline signs in verified addresses only")
		}
		if !p.allowsDomain(id.Email) {
			return refuseSSO(fiber.StatusForbidden, "sso_domain", "email addresses at "+domainOf(id.Email)+" may not sign in with "+p.Name)
		}
		first, err := a.db.FirstSSOLogin(c.UserContext(), id, metadata.SSOSignup{Org: p.Organization, Role: p.DefaultRole}, ssoLinkTTL)
		var invalid *metadata.InvalidError
		switch {
		case errors.Is(err, metadata.ErrIdentityTaken):
			return refuseSSO(fiber.StatusConflict, "sso_identity_taken", "the Faultline account for "+id.Email+" is linked to another "+p.Name+" identity")
		case errors.As(err, &invalid):
			return refuseSSO(fiber.StatusConflict, "sso_signup", invalid.Error())
		case err != nil:
			return err
		}
		if first.LinkToken != "" {
			// The fragment never reaches a server or a Referer header.
			frag := url.Values{"sso-link": {first.LinkToken}, "provider": {p.Name}, "email": {id.Email}}
			return c.Redirect("/app/login#"+frag.Encode(), fiber.StatusSeeOther)
		}
		userID = first.UserID
		a.log.Info("account created by single sign-on", "provider", p.Slug, "user", userID)
	} else if err != nil {
		return err
	}
	if _, err := a.startSession(c, userID, metadata.SessionBySSO); err != nil {
		return err
	}
	a.auditLogin(c, userID, "", "member.login", "sso")
	return c.Redirect("/app/", fiber.StatusSeeOther)
}

// startSession starts a new session for the user, begun by method (see
// metadata.CreateSession), ending the one the browser had (no session
// fixation).
func (a *API) startSession(c *fiber.Ctx, userID int64, method string) (metadata.Session, error) {
	if old := c.Cookies(sessionCookie); old != "" {
		_ = a.db.DeleteSession(c.UserContext(), old)
	}
	s, err := a.db.CreateSession(c.UserContext(), userID, method, c.Get(fiber.HeaderUserAgent), c.IP())
	if err != nil {
		return s, err
	}
	a.setSessionCookies(c, s)
	return s, nil
}

func domainOf(email string) string {
	for i := len(email) - 1; i >= 0; i-- {
		if email[i] == '@' {
			return email[i+1:]
		}
	}
	return email
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

var ssoErrorPage = template.Must(template.New("sso").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign-in failed · Faultline</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">
<h1>Sign-in failed</h1>
<p role="alert">{{.}}</p>
<p><a href="/app/login">Back to the login page</a></p>
</body></html>
`))

// ssoPage runs a browser-facing step of a sign-in and answers a refusal
// as a page with its status (never a session), counted by reason; other
// errors are the server's, answered 503.
func (a *API) ssoPage(c *fiber.Ctx, step func() error) error {
	err := step()
	if err == nil {
		return nil
	}
	var f *ssoFault
	if !errors.As(err, &f) {
		a.log.Error("single sign-on failed", "path", c.Path(), "err", err)
		c.Set(fiber.HeaderRetryAfter, "5")
		f = &ssoFault{status: fiber.StatusServiceUnavailable, reason: "sso_server", message: "Faultline could not finish this sign-in; try again shortly"}
	}
	a.refusals.WithLabelValues(f.reason).Inc()
	c.Response().Header.Del(fiber.HeaderLocation)
	c.Type("html", "utf-8")
	c.Status(f.status)
	return ssoErrorPage.Execute(c.Response().BodyWriter(), f.message)
}
