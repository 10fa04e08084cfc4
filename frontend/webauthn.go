package frontend

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faultline/faultline/metadata"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/gofiber/fiber/v2"
)

// Security keys (WebAuthn) are a second factor beside authenticator-app
// codes: registered from a logged-in session after a password check, and
// asked for by a login whose password was right (its pending login token
// carries the challenge, answered once).

const keyCeremonyTTL = 5 * time.Minute

// relyingParty is the WebAuthn configuration of the server's public URL:
// its host is the relying party id, its origin the only one accepted.
func (a *API) relyingParty() (*webauthn.WebAuthn, error) {
	u, err := url.Parse(a.opts.PublicURL)
	if err != nil || u.Hostname() == "" || net.ParseIP(u.Hostname()) != nil {
		// Browsers offer security keys to named hosts only.
		return nil, fiber.NewError(fiber.StatusServiceUnavailable, "security keys need the server's public URL (FAULTLINE_URL) to name a host, "+
			"such as https://faultline.example.com or http://localhost:8000, not "+a.opts.PublicURL)
	}
	return webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "Faultline",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		// A second factor after the password: presence is enough.
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementDiscouraged, UserVerification: protocol.VerificationDiscouraged},
		AttestationPreference: protocol.PreferNoAttestation,
	})
}

// keyUser is an account as the WebAuthn library sees it.
type keyUser struct {
	id    int64
	email string
	creds []webauthn.Credential
}

func (u keyUser) WebAuthnID() []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(u.id))
}
func (u keyUser) WebAuthnName() string                       { return u.email }
func (u keyUser) WebAuthnDisplayName() string                { return u.email }
func (u keyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// loadKeyUser reads the user's registered keys as library credentials,
// with the counters the database holds.
func (a *API) loadKeyUser(c *fiber.Ctx, userID int64, email string) (keyUser, []metadata.SecurityKey, error) {
	keys, err := a.db.SecurityKeys(c.Context(), userID)
	if err != nil {
		return keyUser{}, nil, err
	}
	u := keyUser{id: userID, email: email}
	for _, k := range keys {
		var cred webauthn.Credential
		if err := json.Unmarshal(k.Record, &cred); err != nil {
			return u, nil, fmt.Errorf("security key %d: %w", k.ID, err)
		}
		cred.Authenticator.SignCount = k.SignCount
		u.creds = append(u.creds, cred)
	}
	return u, keys, nil
}

type securityKeyJSON struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	CredentialID string  `json:"credentialId"`
	SignCount    uint32  `json:"signCount"`
	DateCreated  string  `json:"dateCreated"`
	LastUsed     *string `json:"lastUsed"`
}

func newSecurityKeyJSON(k metadata.SecurityKey) securityKeyJSON {
	out := securityKeyJSON{ID: itoa(k.ID), Name: k.Name, CredentialID: base64.RawURLEncoding.EncodeToString(k.CredentialID),
		SignCount: k.SignCount, DateCreated: isoTime(k.CreatedAt)}
	if k.LastUsedAt != nil {
		s := isoTime(*k.LastUsedAt)
		out.LastUsed = &s
	}
	return out
}

// checkPassword confirms a sensitive change with the user's password,
// throttled like login.
func (a *API) checkPassword(c *fiber.Ctx, password, why string) error {
	p := principal(c)
	at, err := a.beginPasswordCheck(c, p.Email)
	if err != nil {
		return err
	}
	ok, err := a.db.UserPassword(c.Context(), p.UserID, password)
	if err != nil {
		at.cancel()
		return err
	}
	if !ok {
		return fiber.NewError(fiber.StatusBadRequest, "password: send your current password to "+why)
	}
	at.cancel()
	a.logins.reset(accountKey(p.Email))
	return nil
}

func (a *API) listSecurityKeys(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	keys, err := a.db.SecurityKeys(c.Context(), principal(c).UserID)
	if err != nil {
		return err
	}
	out := make([]securityKeyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, newSecurityKeyJSON(k))
	}
	return c.JSON(out)
}

// beginKeyRegistration answers the options for navigator.credentials.create
// and keeps their challenge for the finish.
func (a *API) beginKeyRegistration(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	var body struct {
		Password string `json:"password"`
	}
	_ = c.BodyParser(&body)
	if err := a.checkPassword(c, body.Password, "add a security key"); err != nil {
		return err
	}
	rp, err := a.relyingParty()
	if err != nil {
		return err
	}
	p := principal(c)
	user, _, err := a.loadKeyUser(c, p.UserID, p.Email)
	if err != nil {
		return err
	}
	creation, session, err := rp.BeginRegistration(user,
		webauthn.WithExclusions(webauthn.Credentials(user.creds).CredentialDescriptors()))
	if err != nil {
		return fmt.Errorf("begin key registration: %w", err)
	}
	raw, err := json.Marshal(session)
	if err != nil {
		return err
	}
	if err := a.db.StartKeyRegistration(c.Context(), p.UserID, raw, time.Now().Add(keyCeremonyTTL)); err != nil {
		return err
	}
	return c.JSON(creation.Response)
}

// finishKeyRegistration verifies the new key's attestation against the
// registration's challenge (used once) and stores the key. An account
// without recovery codes gets them now, shown this once.
func (a *API) finishKeyRegistration(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	var body struct {
		Name       string          `json:"name"`
		Credential json.RawMessage `json:"credential"`
	}
	if err := json.Unmarshal(c.Body(), &body); err != nil || len(body.Credential) == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "credential: send a JSON body with credential (the new PublicKeyCredential as JSON) and name")
	}
	body.Name = strings.TrimSpace(body.Name)
	if body.Name == "" {
		body.Name = "Security key"
	}
	if utf8.RuneCountInString(body.Name) > 64 {
		return fiber.NewError(fiber.StatusBadRequest, "name: at most 64 characters")
	}
	p := principal(c)
	raw, err := a.db.TakeKeyRegistration(c.Context(), p.UserID)
	if errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusBadRequest, "credential: start adding a security key first (its challenge is used once and lasts 5 minutes)")
	}
	if err != nil {
		return err
	}
	var session webauthn.SessionData
	if err := json.Unmarshal(raw, &session); err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body.Credential)
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "credential: not a security key's answer: "+protocolDetail(err))
	}
	rp, err := a.relyingParty()
	if err != nil {
		return err
	}
	user, _, err := a.loadKeyUser(c, p.UserID, p.Email)
	if err != nil {
		return err
	}
	cred, err := rp.CreateCredential(user, session, parsed)
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "credential: the security key's answer did not verify: "+protocolDetail(err))
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	codes, hashes := newRecoveryCodes()
	key, gave, err := a.db.AddSecurityKey(c.Context(), p.UserID, metadata.SecurityKey{CredentialID: cred.ID, PublicKey: cred.PublicKey,
		SignCount: cred.Authenticator.SignCount, Name: body.Name, Record: record}, hashes)
	if err != nil {
		return err
	}
	a.auditAccount(c, "securitykey.add", key.ID, map[string]any{"name": key.Name})
	out := fiber.Map{"key": newSecurityKeyJSON(key)}
	if gave {
		out["recoveryCodes"] = codes
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (a *API) deleteSecurityKey(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return fiber.NewError(fiber.StatusBadRequest, "id: not a security key id")
	}
	// Another account's key is unknown here, whatever the password.
	keys, err := a.db.SecurityKeys(c.Context(), principal(c).UserID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(keys, func(k metadata.SecurityKey) bool { return k.ID == id }) {
		return fiber.NewError(fiber.StatusNotFound, "no such security key")
	}
	var body struct {
		Password string `json:"password"`
	}
	_ = c.BodyParser(&body)
	if err := a.checkPassword(c, body.Password, "remove a security key"); err != nil {
		return err
	}
	err = a.db.DeleteSecurityKey(c.Context(), principal(c).UserID, id)
	if errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no such security key")
	}
	if err != nil {
		return err
	}
	a.auditAccount(c, "securitykey.remove", id, nil)
	return c.SendStatus(fiber.StatusNoContent)
}

// errNoPendingLogin answers a second step without a live pending login.
var errNoPendingLogin = fiber.NewError(fiber.StatusUnauthorized, "loginToken: no login waits for a security key under this token (it is used once and lasts 5 minutes); log in with your password again")

// beginKeyLogin answers the options for navigator.credentials.get, whose
// challenge it binds to the pending login.
func (a *API) beginKeyLogin(c *fiber.Ctx) error {
	var body struct {
		LoginToken string `json:"loginToken"`
	}
	if err := decodeJSON(c, &body); err != nil || body.LoginToken == "" {
		return fiber.NewError(fiber.StatusBadRequest, "loginToken: send a JSON body with loginToken (from the password step's answer)")
	}
	userID, err := a.db.PendingLoginUser(c.Context(), body.LoginToken)
	if errors.Is(err, metadata.ErrNotFound) {
		return a.refuse("no_pending_login", errNoPendingLogin.Code, errNoPendingLogin.Message)
	}
	if err != nil {
		return err
	}
	user, _, err := a.loadKeyUser(c, userID, "")
	if err != nil {
		return err
	}
	if len(user.creds) == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "loginToken: this account has no security key; send a two-factor or recovery code")
	}
	rp, err := a.relyingParty()
	if err != nil {
		return err
	}
	assertion, session, err := rp.BeginLogin(user, webauthn.WithUserVerification(protocol.VerificationDiscouraged))
	if err != nil {
		return fmt.Errorf("begin key login: %w", err)
	}
	raw, err := json.Marshal(session)
	if err != nil {
		return err
	}
	if _, err := a.db.SetPendingLoginChallenge(c.Context(), body.LoginToken, raw); errors.Is(err, metadata.ErrNotFound) {
		return a.refuse("no_pending_login", errNoPendingLogin.Code, errNoPendingLogin.Message)
	} else if err != nil {
		return err
	}
	return c.JSON(assertion.Response)
}

// finishKeyLogin verifies the security key's answer (verifyKeyAnswer),
// then starts the session as the password step would.
func (a *API) finishKeyLogin(c *fiber.Ctx) error {
	var body struct {
		LoginToken string          `json:"loginToken"`
		Credential json.RawMessage `json:"credential"`
	}
	if err := decodeJSON(c, &body); err != nil || body.LoginToken == "" || len(body.Credential) == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "credential: send a JSON body with loginToken and credential (the PublicKeyCredential as JSON)")
	}
	userID, email, err := a.verifyKeyAnswer(c, body.LoginToken, body.Credential)
	if err != nil {
		var refused *fiber.Error
		if userID != 0 && errors.As(err, &refused) && refused.Code == fiber.StatusUnauthorized {
			a.auditLogin(c, userID, "", "member.login-failed", "key")
		}
		return err
	}
	// Checked again here: a pending login made by linking a single
	// sign-on identity did not pass the password step's check.
	if err := a.ssoRequired(c, userID); err != nil {
		return err
	}
	a.logins.reset(accountKey(email))
	s, err := a.startSession(c, userID, metadata.SessionByKey)
	if err != nil {
		return err
	}
	a.auditLogin(c, userID, "", "member.login", "key")
	return c.JSON(fiber.Map{"user": fiber.Map{"id": itoa(userID), "email": email}, "csrfToken": s.CSRFToken})
}

// verifyKeyAnswer checks a security key's assertion against the challenge
// of the pending login of token (the pending login ends either way) and the
// key's signature counter, and answers the account it proves. A refused
// answer still names the account whose pending login it was, for the audit
// log.
func (a *API) verifyKeyAnswer(c *fiber.Ctx, token string, credential json.RawMessage) (userID int64, email string, err error) {
	userID, email, raw, err := a.db.TakePendingLogin(c.Context(), token)
	if errors.Is(err, metadata.ErrNotFound) {
		return 0, "", a.refuse("no_pending_login", errNoPendingLogin.Code, errNoPendingLogin.Message)
	}
	if err != nil {
		return 0, "", err
	}
	var session webauthn.SessionData
	if err := json.Unmarshal(raw, &session); err != nil {
		return 0, "", err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(credential)
	if err != nil {
		return userID, "", a.refuse("security_key", fiber.StatusBadRequest, "credential: not a security key's answer: "+protocolDetail(err))
	}
	user, _, err := a.loadKeyUser(c, userID, email)
	if err != nil {
		return 0, "", err
	}
	rp, err := a.relyingParty()
	if err != nil {
		return 0, "", err
	}
	cred, err := rp.ValidateLogin(user, session, parsed)
	if err != nil {
		return userID, "", a.refuse("security_key", fiber.StatusUnauthorized, "the security key's answer did not verify: "+protocolDetail(err)+"; log in again")
	}
	if cred.Authenticator.CloneWarning {
		return userID, "", a.refuse("security_key", fiber.StatusUnauthorized, "the security key's signature counter went backwards (a copied key?); log in again")
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return 0, "", err
	}
	ok, err := a.db.UseSecurityKey(c.Context(), userID, cred.ID, cred.Authenticator.SignCount, record)
	if err != nil {
		return 0, "", err
	}
	if !ok {
		return userID, "", a.refuse("security_key", fiber.StatusUnauthorized, "the security key's signature counter did not grow (a replayed answer?); log in again")
	}
	return userID, email, nil
}

// protocolDetail is the library's reason for refusing, fit for the user.
func protocolDetail(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		if pe.DevInfo != "" {
			return pe.Details + " (" + pe.DevInfo + ")"
		}
		return pe.Details
	}
	return err.Error()
}
