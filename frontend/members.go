package frontend

import (
	"errors"
	"fmt"
	"html"
	"strconv"

	"github.com/faultline/faultline/frontend/mail"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

type memberJSON struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	Role        string `json:"role"`
	Pending     bool   `json:"pending"`
	DateCreated string `json:"dateCreated"`
	InviteLink  string `json:"inviteLink,omitempty"`
}

func (a *API) listMembers(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "member:read")
	if err != nil {
		return err
	}
	members, err := a.db.ListMembers(c.Context(), m.OrgID)
	if err != nil {
		return err
	}
	out := make([]memberJSON, len(members))
	for i, mb := range members {
		id := itoa(mb.UserID)
		if mb.Pending {
			id = "invite-" + itoa(mb.InviteID)
		}
		out[i] = memberJSON{ID: id, Email: mb.Email, Role: mb.Role, Pending: mb.Pending, DateCreated: isoTime(mb.CreatedAt)}
	}
	return c.JSON(out)
}

// grantable refuses roles above the caller's own.
func grantable(m metadata.Membership, role string) error {
	if metadata.RoleRank(role) > metadata.RoleRank(m.Role) {
		return fiber.NewError(fiber.StatusForbidden, fmt.Sprintf("your role (%s) cannot grant the %s role", m.Role, role))
	}
	return nil
}

// invite creates an invitation and emails it when email is configured. The
// link is also in the answer, for the inviter to pass on otherwise.
func (a *API) invite(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "member:write")
	if err != nil {
		return err
	}
	var body struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if err := c.BodyParser(&body); err != nil || body.Email == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with email and role")
	}
	if body.Role == "" {
		body.Role = "member"
	}
	if metadata.RoleRank(body.Role) >= 0 {
		if err := grantable(m, body.Role); err != nil {
			return err
		}
	}
	token, err := a.db.CreateInvitation(c.Context(), m.OrgID, principal(c).UserID, body.Email, body.Role)
	if err != nil {
		return err
	}
	link := a.opts.PublicURL + "/accept-invite/" + token
	if a.opts.Mailer.Configured() {
		err := a.opts.Mailer.Send(c.Context(), mail.Message{
			To:      body.Email,
			Subject: "You are invited to " + m.OrgName + " on Faultline",
			Text:    fmt.Sprintf("%s invited you to the organization %s on Faultline.\n\nAccept: %s\n\nThe link works for 7 days.\n", principal(c).Email, m.OrgName, link),
			HTML: fmt.Sprintf(`<p>%s invited you to the organization <b>%s</b> on Faultline.</p><p><a href="%s">Accept the invitation</a></p><p>The link works for 7 days.</p>`,
				html.EscapeString(principal(c).Email), html.EscapeString(m.OrgName), html.EscapeString(link)),
		})
		if err != nil {
			a.log.Error("invitation email not sent", "err", err)
			return unavailableError("the invitation was created but its email could not be sent; share the link instead")
		}
	}
	return c.Status(fiber.StatusCreated).JSON(memberJSON{Email: body.Email, Role: body.Role, Pending: true, InviteLink: link})
}

func unavailableError(msg string) error { return fiber.NewError(fiber.StatusServiceUnavailable, msg) }

func (a *API) memberParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("member_id"), 10, 64)
	if err != nil {
		return 0, fiber.NewError(fiber.StatusNotFound, "member not found")
	}
	return id, nil
}

// changeMember sets a member's role or removes them. Nobody may act on a
// member ranked above them, nor grant more than their own role.
func (a *API) changeMember(c *fiber.Ctx, remove bool) error {
	m, err := a.orgAllowing(c, "member:write")
	if err != nil {
		return err
	}
	userID, err := a.memberParam(c)
	if err != nil {
		return err
	}
	current, err := a.db.MemberRole(c.Context(), m.OrgID, userID)
	if errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "member not found")
	}
	if err != nil {
		return err
	}
	if err := grantable(m, current); err != nil {
		return err
	}
	if remove {
		if err := a.db.RemoveMember(c.Context(), m.OrgID, userID); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
	var body struct {
		Role string `json:"role"`
	}
	if err := c.BodyParser(&body); err != nil || body.Role == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with role")
	}
	if metadata.RoleRank(body.Role) >= 0 {
		if err := grantable(m, body.Role); err != nil {
			return err
		}
	}
	if err := a.db.SetMemberRole(c.Context(), m.OrgID, userID, body.Role); err != nil {
		return err
	}
	return c.JSON(memberJSON{ID: itoa(userID), Role: body.Role})
}

func (a *API) updateMember(c *fiber.Ctx) error { return a.changeMember(c, false) }
func (a *API) removeMember(c *fiber.Ctx) error { return a.changeMember(c, true) }

func (a *API) acceptInvite(c *fiber.Ctx) error {
	slug, err := a.db.AcceptInvitation(c.Context(), c.Params("token"), principal(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"organization": slug})
}

// requestPasswordReset emails a reset link. It answers the same whether or
// not the account exists, so it cannot be used to find accounts.
func (a *API) requestPasswordReset(c *fiber.Ctx) error {
	if !a.opts.Mailer.Configured() {
		return unavailableError(mail.ErrNotConfigured.Error() + "; ask an administrator to reset your password")
	}
	var body struct {
		Email string `json:"email"`
	}
	if err := c.BodyParser(&body); err != nil || body.Email == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with email")
	}
	token, email, found, err := a.db.CreatePasswordReset(c.Context(), body.Email)
	if err != nil {
		return err
	}
	if found {
		link := a.opts.PublicURL + "/reset-password/" + token
		err := a.opts.Mailer.Send(c.Context(), mail.Message{
			To:      email,
			Subject: "Reset your Faultline password",
			Text:    "Someone asked to reset the password of your Faultline account.\n\nReset it: " + link + "\n\nThe link works for an hour. If it was not you, ignore this email.\n",
			HTML: `<p>Someone asked to reset the password of your Faultline account.</p><p><a href="` + html.EscapeString(link) +
				`">Reset your password</a></p><p>The link works for an hour. If it was not you, ignore this email.</p>`,
		})
		if err != nil {
			a.log.Error("password reset email not sent", "err", err)
		}
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"detail": "if an account has this email, a reset link is on its way"})
}

func (a *API) confirmPasswordReset(c *fiber.Ctx) error {
	var body struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := c.BodyParser(&body); err != nil || body.Token == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with token and password")
	}
	if err := a.db.ResetPassword(c.Context(), body.Token, body.Password); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
