package frontend

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// bulkIDs names the issues of a bulk request: the id= list, or else the
// issues (at most issues.MaxSelected) that query= selects, as the list
// would (no query= meaning is:unresolved), narrowed by status= when sent.
// sentry-cli's `issues resolve --all` sends neither, its --status sends
// status= alone.
func (a *API) bulkIDs(c *fiber.Ctx, orgID int64, projectIDs []int64) ([]int64, error) {
	if len(c.Context().QueryArgs().PeekMulti("id")) > 0 {
		return issueIDs(c)
	}
	text, err := bulkQuery(c)
	if err != nil {
		return nil, err
	}
	s, err := a.issueSearchFor(c, orgID, projectIDs, text)
	if err != nil {
		return nil, err
	}
	return a.finder.Select(c.Context(), s)
}

// bulkQuery is the search text of a bulk request without ids: query= (or
// is:unresolved without one), or with status= the issues of that status
// ("muted" being Sentry's older name of "ignored") among those query=
// selects, if sent.
func bulkQuery(c *fiber.Ctx) (string, error) {
	status := c.Query("status")
	if status == "" {
		return issueQuery(c), nil
	}
	switch status {
	case "muted":
		status = "ignored"
	case "resolved", "unresolved", "ignored":
	default:
		return "", fiber.NewError(fiber.StatusBadRequest, "status: use resolved, unresolved or ignored")
	}
	return strings.TrimSpace("is:" + status + " " + c.Query("query")), nil
}

// selectedNone reports whether err says a bulk request's search selected
// no issue. Sentry answers that 204, as a change with nothing to do, and
// sentry-cli's `issues resolve --status muted` with nothing muted counts on
// it; ids that name no issue stay a 404.
func selectedNone(c *fiber.Ctx, err error) bool {
	var none *issues.NotFoundError
	return errors.As(err, &none) && len(c.Context().QueryArgs().PeekMulti("id")) == 0
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
	return ids, nil
}

// changeBody is a change to issues as Sentry's clients send it, to one
// issue or in bulk.
type changeBody struct {
	Merge        int     `json:"merge"`
	Status       *string `json:"status"`
	AssignedTo   *string `json:"assignedTo"`
	HasSeen      *bool   `json:"hasSeen"`      // the caller's own
	IsBookmarked *bool   `json:"isBookmarked"` // the caller's own
	IsPublic     *bool   `json:"isPublic"`     // shared by a public link
	// SnoozeDuration is the older name of statusDetails.ignoreDuration.
	SnoozeDuration *int64 `json:"snoozeDuration"`
	// StatusDetails qualifies the status: ignored until a time or a count,
	// or resolved in a release ("latest" for the latest one) or in the
	// next release.
	StatusDetails struct {
		IgnoreDuration int64     `json:"ignoreDuration"` // minutes
		IgnoreUntil    time.Time `json:"ignoreUntil"`
		IgnoreCount    int64     `json:"ignoreCount"`
		InRelease      string    `json:"inRelease"`
		InNextRelease  bool      `json:"inNextRelease"`
	} `json:"statusDetails"`
}

// change is the body as a change to issues of projects of one organization.
func (b changeBody) change(orgID int64, projectIDs, ids []int64, actorID int64) issues.Change {
	d := b.StatusDetails
	return issues.Change{OrgID: orgID, ProjectIDs: projectIDs, IssueIDs: ids, ActorID: actorID,
		Status: b.Status, AssignedTo: b.AssignedTo, IgnoreFor: time.Duration(d.IgnoreDuration) * time.Minute,
		IgnoreUntil: d.IgnoreUntil, IgnoreCount: d.IgnoreCount, InRelease: d.InRelease, InNextRelease: d.InNextRelease,
		Bookmark: b.IsBookmarked, Seen: b.HasSeen, Public: b.IsPublic, Now: time.Now()}
}

// changes reports whether the body asks for any change but a merge.
func (b changeBody) changes() bool {
	return b.Status != nil || b.AssignedTo != nil || b.HasSeen != nil || b.IsBookmarked != nil || b.IsPublic != nil
}

// statusDetails echoes the status's qualifiers as Sentry does, and as a
// single issue reads back: the release the body resolves in, or the
// ignore's end, count, minutes and actor.
func (b changeBody) statusDetails(ch issues.Change, actor metadata.Person) map[string]any {
	d := b.StatusDetails
	switch {
	case d.InRelease != "":
		return map[string]any{"inRelease": d.InRelease}
	case d.InNextRelease:
		return map[string]any{"inNextRelease": true}
	case b.Status == nil || *b.Status != "ignored":
		return map[string]any{}
	}
	out := map[string]any{"actor": userActor(actor)}
	if end := ch.IgnoreEnd(); !end.IsZero() {
		out["ignoreUntil"] = isoTime(end)
	}
	if d.IgnoreCount > 0 {
		out["ignoreCount"] = d.IgnoreCount
	}
	if d.IgnoreDuration > 0 {
		out["ignoreDuration"] = d.IgnoreDuration
	}
	return out
}

// bulkUpdate changes the status or assignee of, or merges, the issues the
// request names among the given projects. Issues of other projects are
// left alone.
func (a *API) bulkUpdate(c *fiber.Ctx, orgID int64, projectIDs []int64) error {
	ids, err := a.bulkIDs(c, orgID, projectIDs)
	if selectedNone(c, err) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	if err != nil {
		return err
	}
	var body changeBody
	if err := c.BodyParser(&body); err != nil || (!body.changes() && body.Merge == 0) {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with status, assignedTo, isBookmarked, hasSeen, isPublic or merge")
	}
	body.normalize()
	if body.Merge != 0 {
		return a.merge(c, projectIDs, ids)
	}
	p := principal(c)
	ch := body.change(orgID, projectIDs, ids, p.UserID)
	n, err := a.editor.Update(c.Context(), ch)
	if err != nil {
		return err
	}
	details := body.statusDetails(ch, metadata.Person{ID: p.UserID, Email: p.Email})
	if body.StatusDetails.InRelease == metadata.LatestRelease {
		// Answer the version "latest" stood for, as the issue reads back.
		if is, err := a.finder.Get(c.Context(), p.UserID, ids[0]); err == nil && is.ResolutionRelease != "" {
			details["inRelease"] = is.ResolutionRelease
		}
	}
	out := fiber.Map{"status": body.Status, "statusDetails": details, "assignedTo": body.AssignedTo, "updated": n}
	for k, v := range map[string]*bool{"isBookmarked": body.IsBookmarked, "hasSeen": body.HasSeen, "isPublic": body.IsPublic} {
		if v != nil {
			out[k] = *v
		}
	}
	return c.JSON(out)
}

// issueAllowing loads the issue in the URL (404 when the caller cannot see
// it) and checks that the caller's role and token allow scope on it (403).
func (a *API) issueAllowing(c *fiber.Ctx, scope string) (metadata.Issue, metadata.Membership, error) {
	is, err := a.loadIssue(c)
	if err != nil {
		return is, metadata.Membership{}, err
	}
	m, err := a.access.MembershipBySlug(c.Context(), principal(c).UserID, is.OrgSlug)
	if err != nil {
		return is, m, err
	}
	return is, m, allow(c, m, scope)
}

// issueUpdate changes one issue as the bulk routes do (merging aside) and
// answers the issue as it is now.
func (a *API) issueUpdate(c *fiber.Ctx) error {
	is, m, err := a.issueAllowing(c, "event:write")
	if err != nil {
		return err
	}
	var body changeBody
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with status, statusDetails, assignedTo, isBookmarked, hasSeen or isPublic")
	}
	body.normalize()
	switch {
	case body.Merge != 0:
		return fiber.NewError(fiber.StatusBadRequest, "merge issues with PUT /api/0/projects/{org}/{project}/issues/?id=...")
	case !body.changes():
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with status, statusDetails, assignedTo, isBookmarked, hasSeen or isPublic")
	}
	if _, err := a.editor.Update(c.Context(), body.change(m.OrgID, []int64{is.ProjectID}, []int64{is.ID}, principal(c).UserID)); err != nil {
		return err
	}
	return a.issue(c)
}

// issueDelete deletes one issue, as the bulk delete does, with the same
// scope (event:admin): a caller who may read it but not delete it is
// refused (403), one who may not see it finds nothing (404).
func (a *API) issueDelete(c *fiber.Ctx) error {
	is, _, err := a.issueAllowing(c, "event:admin")
	if err != nil {
		return err
	}
	if err := a.editor.Delete(c.Context(), []int64{is.ProjectID}, []int64{is.ID}); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusAccepted)
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

// bulkDelete deletes the issues the request names. Unlike an update, a
// deletion needs id= or a non-empty query=: one bare DELETE must not
// remove a project's unresolved issues.
func (a *API) bulkDelete(c *fiber.Ctx, orgID int64, projectIDs []int64) error {
	if len(c.Context().QueryArgs().PeekMulti("id")) == 0 && c.Query("query") == "" {
		return fiber.NewError(fiber.StatusBadRequest, "name the issues to delete with id= (one or more) or select them with query=")
	}
	ids, err := a.bulkIDs(c, orgID, projectIDs)
	if selectedNone(c, err) {
		return c.SendStatus(fiber.StatusNoContent)
	}
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
