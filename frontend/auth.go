package frontend

import (
	"encoding/json"
	"errors"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/ingest/promreg"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
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

// sameSiteJSON guards the routes that act without a session (login,
// registration, password reset, email confirmation) against login CSRF:
// another site's page could otherwise post a form, or fetch cross-site, and
// sign the browser into an account of the attacker's choosing. They take
// application/json only (which a page of another origin cannot send without
// a CORS preflight, which Faultline never grants), and refuse requests a
// browser marks as cross-site (Sec-Fetch-Site) or sends from another origin.
func (a *API) sameSiteJSON(c *fiber.Ctx) error {
	if c.Get("Sec-Fetch-Site") == "cross-site" {
		return a.refuse("cross_site", fiber.StatusForbidden, "cross-site requests cannot log in or change accounts")
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && !a.sameOrigin(c, origin) {
		return a.refuse("cross_site", fiber.StatusForbidden, "requests from another origin cannot log in or change accounts")
	}
	if mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); err != nil || mt != fiber.MIMEApplicationJSON {
		return a.refuse("not_json", fiber.StatusForbidden, "send a JSON body, with Content-Type: application/json")
	}
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "send the body uncompressed")
	}
	return c.Next()
}

// sameOrigin reports whether an Origin header names this server: the
// public URL's origin, or the host the request was sent to.
func (a *API) sameOrigin(c *fiber.Ctx, origin string) bool {
	o, err := url.Parse(origin)
	if err != nil || o.Host == "" || (o.Scheme != "http" && o.Scheme != "https") {
		return false // "null" included: sandboxed and privacy-sensitive contexts
	}
	if pub, err := url.Parse(a.opts.PublicURL); err == nil && pub.Host != "" &&
		strings.EqualFold(pub.Scheme, o.Scheme) && strings.EqualFold(pub.Host, o.Host) {
		return true
	}
	return strings.EqualFold(o.Host, string(c.Request().Host())) && o.Scheme == c.Protocol()
}

// decodeJSON reads a credential route's JSON body (sameSiteJSON has
// checked its type and encoding) into v.
func decodeJSON(c *fiber.Ctx, v any) error {
	return json.Unmarshal(c.BodyRaw(), v)
}

// tooMany answers 429 with Retry-After, counted under reason.
func (a *API) tooMany(c *fiber.Ctx, reason string, wait time.Duration, msg string) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)+1))
	return a.refuse(reason, fiber.StatusTooManyRequests, msg)
}

// newAuthRefusals registers the count of refused account requests on reg
// (served at /metrics).
func newAuthRefusals(reg prometheus.Registerer) *prometheus.CounterVec {
	return promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_auth_refused_total",
		Help: "Login, registration, password and account email requests refused, by reason."}, []string{"reason"}))
}

func (a *API) refuse(reason string, status int, msg string) error {
	a.refusals.WithLabelValues(reason).Inc()
	return fiber.NewError(status, msg)
}

func accountKey(email string) string { return "account:" + strings.ToLower(strings.TrimSpace(email)) }

// beginPasswordCheck counts a password attempt for the account and the
// client before the password is hashed, or answers 429.
func (a *API) beginPasswordCheck(c *fiber.Ctx, email string) (*attempt, error) {
	at, wait, ok := a.logins.begin(time.Now(), accountKey(email), "ip:"+c.IP())
	if !ok {
		return nil, a.tooMany(c, "login_throttled", wait, "too many failed attempts; try again later")
	}
	return at, nil
}

// login checks credentials and starts a new session. It answers the same
// way, and takes as long, for an unknown email as for a wrong password, and
// refuses more than a few failures per account or address in a row; each
// attempt is counted before its password is checked.
func (a *API) login(c *fiber.Ctx) error {
	var cred credentials
	if err := decodeJSON(c, &cred); err != nil || cred.Email == "" || cred.Password == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with email and password")
	}
	at, err := a.beginPasswordCheck(c, cred.Email)
	if err != nil {
		return err
	}
	userID, err := a.db.CheckLogin(c.Context(), cred.Email, cred.Password)
	if errors.Is(err, metadata.ErrBadCredentials) {
		a.auditLogin(c, 0, cred.Email, "member.login-failed", "password")
		return fiber.NewError(fiber.StatusUnauthorized, err.Error())
	}
	if err != nil {
		at.cancel() // not a guess: the password was not checked
		return err
	}
	// Checked once the password is right, so that it tells no one else
	// which organizations an address belongs to.
	if err := a.ssoRequired(c, userID); err != nil {
		at.cancel()
		return err
	}
	totp, keys, err := a.db.SecondFactors(c.Context(), userID)
	if err != nil {
		at.cancel()
		return err
	}
	if totp || keys {
		if cred.OTP == "" {
			at.cancel()
			return a.secondFactorRequired(c, userID, totp, keys, "/api/0/auth/webauthn/finish/")
		}
		if err := a.checkOTP(c, at, userID, cred.OTP); err != nil {
			var refused *fiber.Error
			if errors.As(err, &refused) && refused.Code == fiber.StatusUnauthorized {
				a.auditLogin(c, userID, "", "member.login-failed", "password")
			}
			return err
		}
	}
	at.cancel()
	a.logins.reset(accountKey(cred.Email))
	// A new session id on every login: a session id planted before login
	// (session fixation) is never promoted.
	s, err := a.startSession(c, userID, metadata.SessionByPassword)
	if err != nil {
		return err
	}
	a.auditLogin(c, userID, "", "member.login", "password")
	return c.JSON(fiber.Map{"user": sessionUser(s), "csrfToken": s.CSRFToken})
}

// checkOTP checks a code (or recovery code) sent with a right password; a
// wrong one is a failed attempt, an error checking it is not.
func (a *API) checkOTP(c *fiber.Ctx, at *attempt, userID int64, otp string) error {
	ok, err := a.secondFactor(c, userID, otp)
	if err != nil {
		at.cancel()
		return err
	}
	if !ok {
		return fiber.NewError(fiber.StatusUnauthorized, "the two-factor code is wrong or was used already")
	}
	return nil
}

// secondFactorRequired answers a right password of an account with a
// second factor: which methods it has, and for a security key the token of
// the pending login that /auth/webauthn/begin/ and finish/ take. A code
// (or recovery code) is sent with the password again, as otp. finish names
// where the key's answer goes.
func (a *API) secondFactorRequired(c *fiber.Ctx, userID int64, totp, keys bool, finish string) error {
	methods := []string{}
	if totp {
		methods = append(methods, "totp")
	}
	out := fiber.Map{"detail": "two-factor code required: send it (or a recovery code) as otp", "twoFactorRequired": true}
	if keys {
		methods = append(methods, "webauthn")
		token, err := a.db.CreatePendingLogin(c.Context(), userID)
		if err != nil {
			return err
		}
		out["loginToken"] = token
		out["detail"] = "second factor required: use your security key (POST /api/0/auth/webauthn/begin/ with loginToken, its answer to " + finish + "), or send a code as otp"
	}
	methods = append(methods, "recovery")
	out["methods"] = methods
	return c.Status(fiber.StatusUnauthorized).JSON(out)
}

func (a *API) logout(c *fiber.Ctx) error {
	id, ok := c.Locals(sessionKey).(string)
	if !ok {
		return fiber.NewError(fiber.StatusForbidden, "an API token has no session to end; revoke it from a logged-in session")
	}
	if err := a.db.DeleteSession(c.Context(), id); err != nil {
		return err
	}
	a.clearSessionCookies(c)
	return c.SendStatus(fiber.StatusNoContent)
}

// registeredDetail is registration's answer when the server sends email,
// the same whether the address was new or had an account.
const registeredDetail = "check your email: we sent a link to confirm your address (if the address has an account already, the email says so)"

// register creates an account.
//
// When the server sends email, it answers 202 the same way, in about the
// same time, whether or not the address has an account: a new account is
// made and sent a confirmation link, an existing one's owner is told that
// someone tried to register their address. The new user then logs in.
//
// Without email there is no other way to tell anyone that an address has
// an account already, so it answers at once: 201 with a session for a new
// account, 409 for a taken address. Hiding the 409 there would leave a
// person who forgot their account with a registration that silently did
// nothing; the 409 does tell whether an address has an account, at the
// price of a (bounded) password hash per try.
func (a *API) register(c *fiber.Ctx) error {
	if !a.opts.Registration {
		return fiber.NewError(fiber.StatusForbidden, "registration is disabled on this server; ask an administrator for an invitation")
	}
	var cred credentials
	if err := decodeJSON(c, &cred); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with email and password")
	}
	if !a.opts.Mailer.Configured() {
		return a.registerWithoutEmail(c, cred)
	}
	user := metadata.NewUser{Email: cred.Email, Password: cred.Password}
	if err := user.Validate(); err != nil { // before the address takes a share of the mail budget
		return err
	}
	if err := a.allowMail(c, cred.Email); err != nil {
		return err
	}
	userID, err := a.db.CreateUser(c.Context(), user)
	switch {
	case errors.Is(err, metadata.ErrEmailTaken):
		err = a.mail.enqueue(a.takenNotice(strings.TrimSpace(cred.Email)))
	case err == nil:
		err = a.mail.enqueue(a.confirmation(userID))
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"detail": registeredDetail})
}

func (a *API) registerWithoutEmail(c *fiber.Ctx, cred credentials) error {
	userID, err := a.db.CreateUser(c.Context(), metadata.NewUser{Email: cred.Email, Password: cred.Password})
	if errors.Is(err, metadata.ErrEmailTaken) {
		return fiber.NewError(fiber.StatusConflict, err.Error())
	}
	if err != nil {
		return err
	}
	s, err := a.db.CreateSession(c.Context(), userID, metadata.SessionByPassword, c.Get(fiber.HeaderUserAgent), c.IP())
	if err != nil {
		return err
	}
	a.setSessionCookies(c, s)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user": sessionUser(s), "csrfToken": s.CSRFToken})
}

// sessionUser is a new session's user as "GET /api/0/" describes it: the
// dashboard needs no second request to learn who logged in.
func sessionUser(s metadata.Session) fiber.Map {
	p := s.Principal
	return fiber.Map{"id": itoa(p.UserID), "email": p.Email, "emailVerified": p.EmailVerified}
}

// changePassword sets a new password from a logged-in session (never with
// an API token), throttled like login. The user's other sessions end and
// their API tokens are revoked.
func (a *API) changePassword(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	var body struct {
		Current string `json:"current"`
		New     string `json:"password"`
	}
	if err := c.BodyParser(&body); err != nil || body.Current == "" || body.New == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with current and password")
	}
	p := principal(c)
	at, err := a.beginPasswordCheck(c, p.Email)
	if err != nil {
		return err
	}
	keep, _ := c.Locals(sessionKey).(string)
	err = a.db.ChangePassword(c.Context(), p.UserID, body.Current, body.New, keep)
	if errors.Is(err, metadata.ErrBadCredentials) {
		return fiber.NewError(fiber.StatusBadRequest, "the current password is wrong")
	}
	at.cancel()
	if err != nil {
		return err
	}
	a.logins.reset(accountKey(p.Email))
	a.auditAccount(c, "password.change", 0, map[string]any{"endedSessions": "others", "revokedApiAccess": true})
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
