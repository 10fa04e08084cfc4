package frontend

import (
	"encoding/json"
	"errors"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// confirmSSOLink links a provider's identity to the account that has its
// email, once the person proves the account is theirs: its password, and
// its second factor when it has one. Checked and throttled as a login is;
// then the browser is signed in as the account. Until linked, signing in
// with the provider signs in no one.
//
// The second factor is a code (or recovery code) sent with the password as
// otp, or a security key: the password step of an account with keys
// answers a loginToken, which POST /api/0/auth/webauthn/begin/ takes for
// the key's challenge; the key's answer then comes back here as credential
// with loginToken (and without the password, which the token stands for).
func (a *API) confirmSSOLink(c *fiber.Ctx) error {
	var body struct {
		Token      string          `json:"token"`
		Password   string          `json:"password"`
		OTP        string          `json:"otp"`
		LoginToken string          `json:"loginToken"`
		Credential json.RawMessage `json:"credential"`
	}
	keyStep := false
	if err := decodeJSON(c, &body); err == nil && body.Token != "" {
		keyStep = body.LoginToken != "" && len(body.Credential) > 0
	}
	if !keyStep && (body.Token == "" || body.Password == "") {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with token (from the sign-in) and password (the account's), or token, loginToken and credential (a security key's answer)")
	}
	link, err := a.db.PendingSSOLink(c.Context(), body.Token)
	if errors.Is(err, metadata.ErrNotFound) {
		return a.refuse("sso_link_expired", fiber.StatusBadRequest, "this link request was used already or has expired; sign in with your provider again")
	}
	if err != nil {
		return err
	}
	if keyStep {
		userID, _, err := a.verifyKeyAnswer(c, body.LoginToken, body.Credential)
		if err != nil {
			return err
		}
		if userID != link.UserID {
			return a.refuse("sso_link_password", fiber.StatusUnauthorized, "this loginToken is not for the account "+link.Email+"; send its password again")
		}
		return a.completeSSOLink(c, body.Token, link)
	}
	at, err := a.beginPasswordCheck(c, link.Email)
	if err != nil {
		return err
	}
	ok, err := a.db.UserPassword(c.Context(), link.UserID, body.Password)
	if err != nil {
		at.cancel()
		return err
	}
	if !ok {
		return a.refuse("sso_link_password", fiber.StatusUnauthorized, "the password is wrong: enter the password of your Faultline account "+link.Email)
	}
	totp, keys, err := a.db.SecondFactors(c.Context(), link.UserID)
	if err != nil {
		at.cancel()
		return err
	}
	if totp || keys {
		if body.OTP == "" {
			at.cancel()
			return a.secondFactorRequired(c, link.UserID, totp, keys, "/api/0/auth/sso/link/ with token, loginToken and credential")
		}
		if err := a.checkOTP(c, at, link.UserID, body.OTP); err != nil {
			return err
		}
	}
	at.cancel()
	return a.completeSSOLink(c, body.Token, link)
}

// completeSSOLink links the identity once its account is proven and signs
// the browser in by single sign-on.
func (a *API) completeSSOLink(c *fiber.Ctx, token string, link metadata.PendingLink) error {
	a.logins.reset(accountKey(link.Email))
	userID, err := a.db.CompleteSSOLink(c.Context(), token)
	switch {
	case errors.Is(err, metadata.ErrNotFound):
		return a.refuse("sso_link_expired", fiber.StatusBadRequest, "this link request was used already or has expired; sign in with your provider again")
	case errors.Is(err, metadata.ErrIdentityTaken):
		return fiber.NewError(fiber.StatusConflict, "this identity, or this provider for your account, is linked already")
	case err != nil:
		return err
	}
	a.log.Info("single sign-on identity linked", "provider", link.Provider, "user", userID)
	s, err := a.startSession(c, userID, metadata.SessionBySSO)
	if err != nil {
		return err
	}
	a.auditLogin(c, userID, "", "member.login", "sso")
	return c.JSON(fiber.Map{"user": fiber.Map{"id": itoa(userID), "email": link.Email}, "csrfToken": s.CSRFToken})
}
