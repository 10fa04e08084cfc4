package frontend

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

const (
	sessionCookie = "fl_session"
	csrfCookie    = "fl_csrf"
	csrfHeader    = "X-CSRFToken"
)

// authenticate accepts "Authorization: Bearer <token>" (tools) or the
// session cookie (the dashboard). A request that changes state with a
// session cookie must also carry the session's CSRF token in X-CSRFToken.
func (a *API) authenticate(c *fiber.Ctx) error {
	if header := c.Get(fiber.HeaderAuthorization); header != "" {
		scheme, token, ok := strings.Cut(header, " ")
		if !ok || !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(token) == "" {
			return fiber.NewError(fiber.StatusUnauthorized, "the Authorization header must be \"Bearer <token>\"")
		}
		p, err := a.db.Authenticate(c.Context(), strings.TrimSpace(token))
		if errors.Is(err, metadata.ErrNotFound) {
			return fiber.NewError(fiber.StatusUnauthorized, "invalid token")
		}
		if err != nil {
			return err
		}
		c.Locals(principalKey, p)
		return c.Next()
	}
	if id := c.Cookies(sessionCookie); id != "" {
		s, err := a.db.LookupSession(c.Context(), id)
		if errors.Is(err, metadata.ErrNotFound) {
			a.clearSessionCookies(c)
			return fiber.NewError(fiber.StatusUnauthorized, "your session has ended; log in again")
		}
		if err != nil {
			return err
		}
		if !safeMethod(c.Method()) && !constantTimeEqual(c.Get(csrfHeader), s.CSRFToken) {
			return fiber.NewError(fiber.StatusForbidden, "CSRF token missing or wrong: send the fl_csrf cookie's value in X-CSRFToken")
		}
		c.Locals(principalKey, s.Principal)
		c.Locals(sessionKey, s.ID)
		return c.Next()
	}
	c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="faultline"`)
	return fiber.NewError(fiber.StatusUnauthorized, "authentication credentials were not provided: send a Bearer token or log in")
}

const sessionKey = "session"

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

func constantTimeEqual(a, b string) bool {
	if len(a) != len(b) || a == "" {
		return false
	}
	var diff byte
	for i := 0; i < len(a); i++ {
		diff |= a[i] ^ b[i]
	}
	return diff == 0
}

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	OTP      string `json:"otp"` // the second factor, when the account has one
}

// login checks credentials and starts a new session. It answers the same
// way, and takes as long, for an unknown email as for a wrong password, and
// refuses more than a few failures per account or address in a row.
func (a *API) login(c *fiber.Ctx) error {
	var cred credentials
	if err := c.BodyParser(&cred); err != nil || cred.Email == "" || cred.Password == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with email and password")
	}
	now := time.Now()
	account, ip := "account:"+strings.ToLower(strings.TrimSpace(cred.Email)), "ip:"+c.IP()
	for _, key := range []string{account, ip} {
		if blocked, wait := a.logins.blocked(key, now); blocked {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)+1))
			return fiber.NewError(fiber.StatusTooManyRequests, "too many failed logins; try again later")
		}
	}
	userID, err := a.db.CheckLogin(c.Context(), cred.Email, cred.Password)
	if errors.Is(err, metadata.ErrBadCredentials) {
		a.logins.fail(account, now)
		a.logins.fail(ip, now)
		return fiber.NewError(fiber.StatusUnauthorized, err.Error())
	}
	if err != nil {
		return err
	}
	twoFactor, err := a.db.TwoFactorEnabled(c.Context(), userID)
	if err != nil {
		return err
	}
	if twoFactor {
		if cred.OTP == "" {
			return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{
				"detail": "two-factor code required: send it (or a recovery code) as otp", "twoFactorRequired": true})
		}
		ok, err := a.secondFactor(c, userID, cred.OTP)
		if err != nil {
			return err
		}
		if !ok {
			a.logins.fail(account, now)
			a.logins.fail(ip, now)
			return fiber.NewError(fiber.StatusUnauthorized, "the two-factor code is wrong or was used already")
		}
	}
	a.logins.reset(account)
	// A new session id on every login: a session id planted before login
	// (session fixation) is never promoted.
	if old := c.Cookies(sessionCookie); old != "" {
		_ = a.db.DeleteSession(c.Context(), old)
	}
	s, err := a.db.CreateSession(c.Context(), userID, c.Get(fiber.HeaderUserAgent), c.IP())
	if err != nil {
		return err
	}
	a.setSessionCookies(c, s)
	return c.JSON(fiber.Map{"user": fiber.Map{"id": itoa(userID), "email": cred.Email}, "csrfToken": s.CSRFToken})
}

func (a *API) logout(c *fiber.Ctx) error {
	if id, ok := c.Locals(sessionKey).(string); ok {
		if err := a.db.DeleteSession(c.Context(), id); err != nil {
			return err
		}
	}
	a.clearSessionCookies(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *API) register(c *fiber.Ctx) error {
	if !a.opts.Registration {
		return fiber.NewError(fiber.StatusForbidden, "registration is disabled on this server; ask an administrator for an invitation")
	}
	var cred credentials
	if err := c.BodyParser(&cred); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with email and password")
	}
	userID, err := a.db.Register(c.Context(), cred.Email, cred.Password)
	if errors.Is(err, metadata.ErrEmailTaken) {
		return fiber.NewError(fiber.StatusConflict, err.Error())
	}
	if err != nil {
		return err
	}
	s, err := a.db.CreateSession(c.Context(), userID, c.Get(fiber.HeaderUserAgent), c.IP())
	if err != nil {
		return err
	}
	a.setSessionCookies(c, s)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user": fiber.Map{"id": itoa(userID), "email": cred.Email}, "csrfToken": s.CSRFToken})
}

func (a *API) changePassword(c *fiber.Ctx) error {
	var body struct {
		Current string `json:"current"`
		New     string `json:"password"`
	}
	if err := c.BodyParser(&body); err != nil || body.Current == "" || body.New == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with current and password")
	}
	keep, _ := c.Locals(sessionKey).(string)
	err := a.db.ChangePassword(c.Context(), principal(c).UserID, body.Current, body.New, keep)
	if errors.Is(err, metadata.ErrBadCredentials) {
		return fiber.NewError(fiber.StatusBadRequest, "the current password is wrong")
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *API) setSessionCookies(c *fiber.Ctx, s metadata.Session) {
	expires := time.Now().Add(metadata.SessionTTL)
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: s.ID, Path: "/", Expires: expires,
		HTTPOnly: true, Secure: a.opts.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
	// The dashboard reads this one to send it back in X-CSRFToken.
	c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: s.CSRFToken, Path: "/", Expires: expires,
		Secure: a.opts.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
}

func (a *API) clearSessionCookies(c *fiber.Ctx) {
	for _, name := range []string{sessionCookie, csrfCookie} {
		c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
			HTTPOnly: name == sessionCookie, Secure: a.opts.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
	}
}
