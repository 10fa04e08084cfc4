package frontend

import (
	"strconv"
	"time"

	"github.com/faultline/faultline/frontend/issues"
	"github.com/gofiber/fiber/v2"
)

// bulkIDs names the issues of a bulk request: the id= list, or else the
// issues (at most issues.MaxSelected) that the query= selects.
func (a *API) bulkIDs(c *fiber.Ctx, orgID int64, projectIDs []int64) ([]int64, error) {
	if len(c.Context().QueryArgs().PeekMulti("id")) > 0 || c.Query("query") == "" {
		return issueIDs(c)
	}
	s, err := a.issueSearch(c, orgID, projectIDs)
	if err != nil {
		return nil, err
	}
	return a.finder.Select(c.Context(), s)
}

// issueIDs reads the id= list of a bulk request.
func issueIDs(c *fiber.Ctx) ([]int64, error) {
	var ids []int64
	for _, v := range c.Context().QueryArgs().PeekMulti("id") {
		id, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return nil, fiber.NewError(fiber.StatusBadRequest, "id= takes issue ids")
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, fiber.NewError(fiber.StatusBadRequest, "name the issues to change with id= (one or more) or select them with query=")
	}
	return ids, nil
}

// changeBody is a bulk change as Sentry's clients send it.
type changeBody struct {
	Merge         int     `json:"merge"`
	Status        *string `json:"status"`
	AssignedTo    *string `json:"assignedTo"`
	StatusDetails struct {
		IgnoreDuration int64     `json:"ignoreDuration"` // minutes
		IgnoreUntil    time.Time `json:"ignoreUntil"`
		IgnoreCount    int64     `json:"ignoreCount"`
	} `json:"statusDetails"`
}

// bulkUpdate changes the status or assignee of, or merges, the issues the
// request names among the given projects. Issues of other projects are
// left alone.
func (a *API) bulkUpdate(c *fiber.Ctx, orgID int64, projectIDs []int64) error {
	ids, err := a.bulkIDs(c, orgID, projectIDs)
	if err != nil {
		return err
	}
	var body changeBody
	if err := c.BodyParser(&body); err != nil || (body.Status == nil && body.AssignedTo == nil && body.Merge == 0) {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with status, assignedTo or merge")
	}
	if body.Merge != 0 {
		return a.merge(c, projectIDs, ids)
	}
	details := body.StatusDetails
	n, err := a.editor.Update(c.Context(), issues.Change{OrgID: orgID, ProjectIDs: projectIDs, IssueIDs: ids, ActorID: principal(c).UserID,
		Status: body.Status, AssignedTo: body.AssignedTo, IgnoreFor: time.Duration(details.IgnoreDuration) * time.Minute,
		IgnoreUntil: details.IgnoreUntil, IgnoreCount: details.IgnoreCount, Now: time.Now()})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": body.Status, "assignedTo": body.AssignedTo, "updated": n})
}

// merge folds issues of one project into the one with the most events.
// The answer comes once PostgreSQL holds the merge; the events follow in
// the background.
func (a *API) merge(c *fiber.Ctx, projectIDs, ids []int64) error {
	plan, err := a.editor.Merge(c.Context(), projectIDs, ids, principal(c).UserID)
	if err != nil {
		return err
	}
	children := make([]string, len(plan.Children))
	for i, id := range plan.Children {
		children[i] = itoa(id)
	}
	return c.JSON(fiber.Map{"merge": fiber.Map{"parent": itoa(plan.Parent), "children": children}})
}

func (a *API) bulkDelete(c *fiber.Ctx, orgID int64, projectIDs []int64) error {
	ids, err := a.bulkIDs(c, orgID, projectIDs)
	if err != nil {
		return err
	}
	if err := a.editor.Delete(c.Context(), projectIDs, ids); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *API) projectIssuesUpdate(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "event:write")
	if err != nil {
		return err
	}
	return a.bulkUpdate(c, p.OrgID, []int64{p.ID})
}

func (a *API) projectIssuesDelete(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "event:admin")
	if err != nil {
		return err
	}
	return a.bulkDelete(c, p.OrgID, []int64{p.ID})
}

func (a *API) orgIssuesUpdate(c *fiber.Ctx) error {
	m, projects, err := a.orgProjectsAllowing(c, "event:write")
	if err != nil {
		return err
	}
	return a.bulkUpdate(c, m.OrgID, projectIDsOf(projects))
}

func (a *API) orgIssuesDelete(c *fiber.Ctx) error {
	m, projects, err := a.orgProjectsAllowing(c, "event:admin")
	if err != nil {
		return err
	}
	return a.bulkDelete(c, m.OrgID, projectIDsOf(projects))
}
