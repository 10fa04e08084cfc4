package frontend

import (
	"strconv"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// commentParam reads the comment id in the URL; one that cannot be an id
// is a 404 like any unknown comment.
func commentParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("comment_id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.NewError(fiber.StatusNotFound, "comment not found")
	}
	return id, nil
}

// commentTarget finds the issue and the comment id in the URL of a
// comment change: the issue first (404 when the caller cannot see it),
// then the scope (403), then the id.
func (a *API) commentTarget(c *fiber.Ctx) (metadata.Issue, int64, error) {
	is, err := a.loadIssue(c)
	if err != nil {
		return is, 0, err
	}
	if err := requireScope(c, "event:write"); err != nil {
		return is, 0, err
	}
	id, err := commentParam(c)
	return is, id, err
}

// editComment replaces the text of one of the caller's comments.
func (a *API) editComment(c *fiber.Ctx) error {
	is, id, err := a.commentTarget(c)
	if err != nil {
		return err
	}
	var body struct {
		Text string `json:"text"`
	}
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "text: send a JSON body with text")
	}
	cm, err := a.details.EditComment(c.Context(), is, id, principal(c).UserID, body.Text)
	if err != nil {
		return err
	}
	return c.JSON(newCommentJSON(cm))
}

// deleteComment removes a comment: the caller's own, or any of the
// organization's when they own or manage it.
func (a *API) deleteComment(c *fiber.Ctx) error {
	is, id, err := a.commentTarget(c)
	if err != nil {
		return err
	}
	m, err := a.access.MembershipBySlug(c.Context(), principal(c).UserID, is.OrgSlug)
	if err != nil {
		return err
	}
	if err := a.details.DeleteComment(c.Context(), is, id, principal(c).UserID, moderates(m)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// moderates reports whether a member may remove others' comments.
func moderates(m metadata.Membership) bool { return m.Role == "owner" || m.Role == "manager" }
