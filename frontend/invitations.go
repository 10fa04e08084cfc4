package frontend

import (
	"errors"
	"strconv"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// changeInvitation acts on a pending invitation, which member lists name
// "invite-N": DELETE revokes it (its link stops working), and PUT with
// {"reinvite": true} resends it, as Sentry's member details take it, with a
// new link valid for another week. Nobody may act on an invitation to a
// role above their own.
func (a *API) changeInvitation(c *fiber.Ctx, m metadata.Membership, param string, revoke bool) error {
	id, err := strconv.ParseInt(param, 10, 64)
	if err != nil || id <= 0 {
		return fiber.NewError(fiber.StatusNotFound, "invitation not found")
	}
	inv, err := a.db.PendingInvitation(c.Context(), m.OrgID, id)
	if errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "invitation not found")
	}
	if err != nil {
		return err
	}
	if err := grantable(m, inv.Role); err != nil {
		return err
	}
	if revoke {
		if err := a.db.RevokeInvitation(c.Context(), m.OrgID, id); errors.Is(err, metadata.ErrNotFound) {
			return fiber.NewError(fiber.StatusNotFound, "invitation not found")
		} else if err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
	f, err := readBodyFields(c)
	if err != nil {
		return err
	}
	reinvite, err := optional[bool](f, "reinvite", "true or false")
	if err != nil {
		return err
	}
	if reinvite == nil || !*reinvite {
		return fiber.NewError(fiber.StatusBadRequest, "reinvite: send {\"reinvite\": true} to resend an invitation")
	}
	token, err := a.db.RenewInvitation(c.Context(), m.OrgID, id)
	if errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "invitation not found")
	}
	if err != nil {
		return err
	}
	link, err := a.sendInvitation(c, m, inv.Email, token)
	if err != nil {
		return err
	}
	return c.JSON(memberJSON{ID: "invite-" + itoa(id), Email: inv.Email, Role: inv.Role, Pending: true, InviteLink: link})
}
