package frontend

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

const totpPeriod = 30

// seal encrypts a TOTP secret with a key derived from the server's secret,
// so a copy of the database alone does not give second factors away.
func (a *API) seal(plain []byte) ([]byte, error) {
	gcm, err := a.gcm()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plain, []byte("faultline totp")), nil
}

func (a *API) open(sealed []byte) ([]byte, error) {
	gcm, err := a.gcm()
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("sealed secret too short")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte("faultline totp"))
}

func (a *API) gcm() (cipher.AEAD, error) {
	key := sha256.Sum256([]byte("faultline totp key:" + a.opts.SecretKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// matchTOTP returns the time step whose code this is, allowing one step of
// clock skew either way.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	step := now.Unix() / totpPeriod
	for _, s := range []int64{step, step - 1, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0),
			totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && constantTimeEqual(want, code) {
			return s, true
		}
	}
	return 0, false
}

// startTwoFactor makes a new secret for the user to add to an
// authenticator app; it takes effect once confirmed with a code.
func (a *API) startTwoFactor(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Faultline", AccountName: principal(c).Email})
	if err != nil {
		return err
	}
	sealed, err := a.seal([]byte(key.Secret()))
	if err != nil {
		return err
	}
	if err := a.db.StartTOTP(c.Context(), principal(c).UserID, sealed); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"secret": key.Secret(), "otpauthUrl": key.URL()})
}

// confirmTwoFactor turns two-factor on with a first code and answers the
// recovery codes, shown this once.
func (a *API) confirmTwoFactor(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	var body struct {
		Code string `json:"code"`
	}
	if err := c.BodyParser(&body); err != nil || body.Code == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with code")
	}
	userID := principal(c).UserID
	state, err := a.db.TOTP(c.Context(), userID)
	if errors.Is(err, metadata.ErrNotFound) || (err == nil && state.Enabled) {
		return fiber.NewError(fiber.StatusBadRequest, "start two-factor setup first")
	}
	if err != nil {
		return err
	}
	secret, err := a.open(state.SecretEnc)
	if err != nil {
		return err
	}
	step, ok := matchTOTP(string(secret), body.Code, time.Now())
	if !ok {
		return fiber.NewError(fiber.StatusBadRequest, "that code is not right; check your authenticator app's clock")
	}
	codes, hashes := newRecoveryCodes()
	if err := a.db.EnableTOTP(c.Context(), userID, step, hashes); err != nil {
		return err
	}
	a.auditAccount(c, "2fa.enable", 0, map[string]any{"method": "totp"})
	return c.JSON(fiber.Map{"enabled": true, "recoveryCodes": codes})
}

func (a *API) disableTwoFactor(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	var body struct {
		Password string `json:"password"`
	}
	_ = c.BodyParser(&body)
	// A password check, so throttled like login.
	at, err := a.beginPasswordCheck(c, principal(c).Email)
	if err != nil {
		return err
	}
	ok, err := a.db.UserPassword(c.Context(), principal(c).UserID, body.Password)
	if err != nil {
		at.cancel()
		return err
	}
	if !ok {
		return fiber.NewError(fiber.StatusBadRequest, "send your current password to turn two-factor login off")
	}
	at.cancel()
	a.logins.reset(accountKey(principal(c).Email))
	if err := a.db.DisableTOTP(c.Context(), principal(c).UserID); err != nil {
		return err
	}
	a.auditAccount(c, "2fa.disable", 0, map[string]any{"method": "totp"})
	return c.SendStatus(fiber.StatusNoContent)
}

// newRecoveryCodes makes ten recovery codes and their hashes.
func newRecoveryCodes() ([]string, [][]byte) {
	codes := make([]string, 10)
	hashes := make([][]byte, len(codes))
	for i := range codes {
		b := make([]byte, 10)
		_, _ = rand.Read(b)
		codes[i] = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
		hashes[i] = metadata.HashToken(codes[i])
	}
	return codes, hashes
}

// secondFactor checks a login's one-time code: a TOTP code, used once, or
// a recovery code, used once.
func (a *API) secondFactor(c *fiber.Ctx, userID int64, code string) (bool, error) {
	state, err := a.db.TOTP(c.Context(), userID)
	switch {
	case errors.Is(err, metadata.ErrNotFound) || (err == nil && !state.Enabled):
		// Security keys only: the code can be a recovery code.
	case err != nil:
		return false, err
	default:
		secret, err := a.open(state.SecretEnc)
		if err != nil {
			return false, err
		}
		if step, ok := matchTOTP(string(secret), code, time.Now()); ok {
			return a.db.UseTOTPCounter(c.Context(), userID, step)
		}
	}
	return a.db.UseRecoveryCode(c.Context(), userID, metadata.HashToken(strings.ToLower(strings.TrimSpace(code))))
}
