package frontend

import (
	"errors"
	"strconv"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// sessionOnly refuses API tokens. The account itself (its password, second
// factor, tokens, notification settings, memberships it accepts) is managed
// from a dashboard session only, so a token can never mint tokens, least of
// all ones with more scopes than itself, nor take over its account.
func sessionOnly(c *fiber.Ctx) error {
	if !principal(c).Session {
		return fiber.NewError(fiber.StatusForbidden, "this is done from a logged-in session, not with an API token")
	}
	return nil
}

type tokenJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Scopes      []string `json:"scopes"`
	Token       string   `json:"token,omitempty"`
	LastChars   string   `json:"tokenLastCharacters,omitempty"`
	DateCreated string   `json:"dateCreated"`
	LastUsed    *string  `json:"lastUsed"`
	ExpiresAt   *string  `json:"expiresAt"` // tokens do not expire: always null
}

func newTokenJSON(t metadata.APIToken) tokenJSON {
	out := tokenJSON{ID: itoa(t.ID), Name: t.Label, Scopes: t.Scopes, Token: t.Token, LastChars: t.LastChars,
		DateCreated: isoTime(t.CreatedAt)}
	if t.LastUsedAt != nil {
		s := isoTime(*t.LastUsedAt)
		out.LastUsed = &s
	}
	return out
}

func (a *API) listTokens(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	tokens, err := a.db.ListTokens(c.Context(), principal(c).UserID)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(tokens))
	for i, t := range tokens {
		out[i] = newTokenJSON(t)
	}
	return c.JSON(out)
}

func (a *API) createToken(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	var body struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with name and scopes")
	}
	t, err := a.db.CreateToken(c.Context(), principal(c).UserID, body.Name, body.Scopes)
	if err != nil {
		return err
	}
	a.auditAccount(c, "apitoken.create", t.ID, map[string]any{"name": t.Label, "scopes": t.Scopes})
	return c.Status(fiber.StatusCreated).JSON(newTokenJSON(t))
}

func (a *API) deleteToken(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.NewError(fiber.StatusNotFound, "token not found")
	}
	if err := a.db.DeleteToken(c.Context(), principal(c).UserID, id); errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "token not found")
	} else if err != nil {
		return err
	}
	a.auditAccount(c, "apitoken.remove", id, nil)
	return c.SendStatus(fiber.StatusNoContent)
}
