package frontend

import (
	"context"
	"errors"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// eventLookup finds an event by id among projects; *analytics.Store is one.
type eventLookup interface {
	EventByID(ctx context.Context, projectIDs []uint64, eventID string) (analytics.EventRow, error)
}

// eventIDParam reads the event id in the URL: 32 hex digits (a UUID's
// dashes allowed), anything else a 400.
func eventIDParam(c *fiber.Ctx) (string, error) {
	id, ok := event.NormalizeID(c.Params("event_id"))
	if !ok {
		return "", fiber.NewError(fiber.StatusBadRequest, "event_id: an event id is 32 hexadecimal digits")
	}
	return id, nil
}

// lookupEvent finds the event among the projects and renders it as the
// issue event route does, with its issue's id and neighbours.
func (a *API) lookupEvent(c *fiber.Ctx, projects []metadata.Project, id string) (eventJSON, metadata.Project, error) {
	ids := make([]uint64, len(projects))
	for i, p := range projects {
		ids[i] = uint64(p.ID)
	}
	row, err := a.lookup.EventByID(c.Context(), ids, id)
	if errors.Is(err, analytics.ErrNoEvent) {
		return eventJSON{}, metadata.Project{}, fiber.NewError(fiber.StatusNotFound, "event not found")
	}
	if err != nil {
		return eventJSON{}, metadata.Project{}, err
	}
	var project metadata.Project
	for _, p := range projects {
		if uint64(p.ID) == row.ProjectID {
			project = p
		}
	}
	is, err := a.finder.Get(c.Context(), principal(c).UserID, int64(row.IssueID))
	if err != nil {
		// The issue was deleted and its events are going: the event too.
		return eventJSON{}, project, fiber.NewError(fiber.StatusNotFound, "event not found")
	}
	full, err := a.details.Event(c.Context(), is, id)
	if err != nil {
		return eventJSON{}, project, err
	}
	ev, err := newEventJSON(full.EventRow, is)
	if err != nil {
		return eventJSON{}, project, err
	}
	ev.PreviousEventID, ev.NextEventID = nullable(full.Previous), nullable(full.Next)
	return ev, project, nil
}

// projectEvent answers GET /projects/{org}/{project}/events/{event_id}/.
func (a *API) projectEvent(c *fiber.Ctx) error {
	p, err := a.loadProject(c)
	if err != nil {
		return err
	}
	id, err := eventIDParam(c)
	if err != nil {
		return err
	}
	ev, _, err := a.lookupEvent(c, []metadata.Project{p}, id)
	if err != nil {
		return err
	}
	return c.JSON(ev)
}

// orgEventID answers GET /organizations/{org}/eventids/{event_id}/: which
// of the organization's projects and issues holds the event, and the event.
func (a *API) orgEventID(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "event:read")
	if err != nil {
		return err
	}
	id, err := eventIDParam(c)
	if err != nil {
		return err
	}
	projects, err := a.visibleProjects(c, m)
	if err != nil {
		return err
	}
	ev, p, err := a.lookupEvent(c, projects, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"organizationSlug": m.OrgSlug, "projectSlug": p.Slug, "groupId": ev.GroupID, "eventId": id, "event": ev})
}
