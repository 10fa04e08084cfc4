package frontend

import (
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/faultline/faultline/frontend/mail"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

type memberJSON struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name,omitempty"`
	Role     string `json:"role"`
	OrgRole  string `json:"orgRole,omitempty"`
	RoleName string `json:"roleName,omitempty"`
	// InviteStatus is "approved" for members and invitations alike:
	// nobody requests to join here.
	InviteStatus string          `json:"inviteStatus,omitempty"`
	Flags        map[string]bool `json:"flags,omitempty"`
	Pending      bool            `json:"pending"`
	Expired      *bool           `json:"expired,omitempty"`
	DateCreated  string          `json:"dateCreated"`
	InviteLink   string          `json:"inviteLink,omitempty"`
	// User is the member's account, null for a pending invitation; listed
	// members carry it, as Sentry's clients read user.id and user.email.
	User *memberUser `json:"user,omitempty"`
	// Teams are the slugs of the member's teams, on listed members.
	Teams []string `json:"teams,omitempty"`
}

type memberUser struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Username string `json:"username"`
	IsActive bool   `json:"isActive"`
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
	teams, err := a.db.MemberTeams(c.Context(), m.OrgID)
	if err != nil {
		return err
	}
	out := make([]memberJSON, len(members))
	for i, mb := range members {
		out[i] = newMemberJSON(mb)
		if !mb.Pending {
			out[i].Teams = teams[mb.UserID]
		}
	}
	return c.JSON(out)
}

// newMemberJSON is a member, or a pending invitation, as Sentry's member
// lists have it.
func newMemberJSON(mb metadata.Member) memberJSON {
	id := itoa(mb.UserID)
	if mb.Pending {
		id = "invite-" + itoa(mb.InviteID)
	}
	out := memberJSON{ID: id, Email: mb.Email, Name: mb.Email, Role: mb.Role, OrgRole: mb.Role, Pending: mb.Pending,
		RoleName: roleName(mb.Role), InviteStatus: "approved", Flags: map[string]bool{"sso:linked": false, "sso:invalid": false},
		Expired: new(bool), DateCreated: isoTime(mb.CreatedAt)}
	if !mb.Pending {
		out.User = &memberUser{ID: id, Email: mb.Email, Name: mb.Email, Username: mb.Email, IsActive: true}
	}
	return out
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
	a.audit(c, m.OrgID, "member.invite", 0, map[string]any{"email": body.Email, "role": body.Role})
	link, err := a.sendInvitation(c, m, body.Email, token)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(memberJSON{Email: body.Email, Role: body.Role, Pending: true, InviteLink: link})
}

// sendInvitation emails the invitation's link when email is configured and
// returns the link.
func (a *API) sendInvitation(c *fiber.Ctx, m metadata.Membership, email, token string) (string, error) {
	link := a.appLink("accept-invite/" + token)
	if a.opts.Mailer.Configured() {
		err := a.opts.Mailer.Send(c.Context(), mail.Message{
			To:      email,
			Subject: "You are invited to " + m.OrgName + " on Faultline",
			Text:    fmt.Sprintf("%s invited you to the organization %s on Faultline.\n\nAccept: %s\n\nThe link works for 7 days.\n", principal(c).Email, m.OrgName, link),
			HTML: fmt.Sprintf(`<p>%s invited you to the organization <b>%s</b> on Faultline.</p><p><a href="%s">Accept the invitation</a></p><p>The link works for 7 days.</p>`,
				html.EscapeString(principal(c).Email), html.EscapeString(m.OrgName), html.EscapeString(link)),
		})
		if err != nil {
			a.log.Error("invitation email not sent", "err", err)
			return "", unavailableError("the invitation was created but its email could not be sent; share the link instead")
		}
	}
	return link, nil
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
	if id, ok := strings.CutPrefix(c.Params("member_id"), "invite-"); ok {
		return a.changeInvitation(c, m, id, remove)
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
		a.auditAbout(c, m.OrgID, "member.remove", userID, userID, map[string]any{"role": current})
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
	a.auditAbout(c, m.OrgID, "member.edit", userID, userID, map[string]any{"role": map[string]any{"before": current, "after": body.Role}})
	return c.JSON(memberJSON{ID: itoa(userID), Role: body.Role})
}

func (a *API) updateMember(c *fiber.Ctx) error { return a.changeMember(c, false) }
func (a *API) removeMember(c *fiber.Ctx) error { return a.changeMember(c, true) }

// acceptInvite makes the logged-in user a member, from a session only.
// When the server sends email, the user's address must be confirmed first:
// an invitation goes to an address, and only its owner may take it.
func (a *API) acceptInvite(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	if a.opts.Mailer.Configured() && !principal(c).EmailVerified {
		return fiber.NewError(fiber.StatusForbidden,
			"confirm your email address first: open the link we emailed you, or send a new one from your account page")
	}
	slug, err := a.db.AcceptInvitation(c.Context(), c.Params("token"), principal(c).UserID)
	if err != nil {
		return err
	}
	if m, err := a.access.MembershipBySlug(c.Context(), principal(c).UserID, slug); err == nil {
		a.auditAbout(c, m.OrgID, "member.accept", principal(c).UserID, principal(c).UserID, map[string]any{"role": m.Role})
	}
	return c.JSON(fiber.Map{"organization": slug})
}

// resetDetail is the answer to every accepted reset request.
const resetDetail = "if an account has this email, a reset link is on its way"

// requestPasswordReset emails a reset link. It answers at once and the same
// way whether or not the account exists: finding the account and sending
// the email happen in the background, so neither the answer nor its timing
// can be used to find accounts. Requests are limited per address and per
// client.
func (a *API) requestPasswordReset(c *fiber.Ctx) error {
	if !a.opts.Mailer.Configured() {
		return unavailableError(mail.ErrNotConfigured.Error() + "; ask an administrator to reset your password")
	}
	var body struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(c, &body); err != nil || strings.TrimSpace(body.Email) == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with email")
	}
	if err := a.allowMail(c, body.Email); err != nil {
		return err
	}
	if err := a.mail.enqueue(a.passwordReset(body.Email)); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"detail": resetDetail})
}

// confirmPasswordReset sets the new password; the account's sessions end
// and its API tokens are revoked.
func (a *API) confirmPasswordReset(c *fiber.Ctx) error {
	var body struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &body); err != nil || body.Token == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with token and password")
	}
	userID, err := a.db.ResetPassword(c.Context(), body.Token, body.Password)
	if err != nil {
		return err
	}
	// The link's holder is the actor: the account whose password it was.
	a.auditAs(c, userID, "password.reset", map[string]any{"endedSessions": "all", "revokedApiAccess": true})
	return c.SendStatus(fiber.StatusNoContent)
}

// verifyEmail confirms an address with the token of a confirmation link.
func (a *API) verifyEmail(c *fiber.Ctx) error {
	var body struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(c, &body); err != nil || body.Token == "" {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with token")
	}
	if err := a.db.VerifyEmail(c.Context(), body.Token); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// sendVerification emails the logged-in user a new confirmation link.
func (a *API) sendVerification(c *fiber.Ctx) error {
	if err := sessionOnly(c); err != nil {
		return err
	}
	p := principal(c)
	if p.EmailVerified {
		return metadata.ErrAlreadyVerified
	}
	if !a.opts.Mailer.Configured() {
		return unavailableError(mail.ErrNotConfigured.Error() + "; addresses cannot be confirmed")
	}
	if err := a.allowMail(c, p.Email); err != nil {
		return err
	}
	if err := a.mail.enqueue(a.confirmation(p.UserID)); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"detail": "a confirmation link is on its way to " + p.Email})
}

// roleName is a role as Sentry titles it: "owner" is "Owner".
func roleName(role string) string {
	if role == "" {
		return ""
	}
	return strings.ToUpper(role[:1]) + role[1:]
}
