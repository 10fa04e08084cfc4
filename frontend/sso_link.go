package frontend

import (
	"errors"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// confirmSSOLink links a provider's identity to the account that has its
// email, once the person proves the account is theirs: its password, and
// its second factor when it has one. Checked and throttled as a login is;
// then the browser is signed in as the account. Until linked, signing in
// with the provider signs in no one.
func (a *API) confirmSSOLink(c *fiber.Ctx) error {
	var body struct {
		Token    string `json:"token"`
		Password string `json:"password"`
		OTP      string `json:"otp"`
	}
	if err := decodeJSON(c, &body); err != nil || body.Token == "" || body.Password == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with token (from the sign-in) and password (the account's)")
	}
	link, err := a.db.PendingSSOLink(c.Context(), body.Token)
	if errors.Is(err, metadata.ErrNotFound) {
		return a.refuse("sso_link_expired", fiber.StatusBadRequest, "this link request was used already or has expired; sign in with your provider again")
	}
	if err != nil {
		return err
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
	twoFactor, err := a.db.TwoFactorEnabled(c.Context(), link.UserID)
	if err != nil {
		at.cancel()
		return err
	}
	if twoFactor {
		if body.OTP == "" {
			at.cancel()
			return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{
				"detail": "two-factor code required: send it (or a recovery code) as otp", "twoFactorRequired": true})
		}
		if err := a.checkOTP(c, at, link.UserID, body.OTP); err != nil {
			return err
		}
	}
	at.cancel()
	a.logins.reset(accountKey(link.Email))
	userID, err := a.db.CompleteSSOLink(c.Context(), body.Token)
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
