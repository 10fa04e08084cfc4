package frontend

import (
	"net/url"
	"strconv"
	"time"

	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/frontend/search"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// searchWindow is how far back per-project value lists (environments,
// releases) look.
const searchWindow = 90 * 24 * time.Hour

// registerIssues mounts the issue list, search, detail and bulk change
// routes on the authenticated API group.
func (a *API) registerIssues(api fiber.Router) {
	api.Get("/projects/:org/:project/issues/", a.projectIssues)
	api.Put("/projects/:org/:project/issues/", a.projectIssuesUpdate)
	api.Delete("/projects/:org/:project/issues/", a.projectIssuesDelete)
	api.Get("/organizations/:org/issues/", a.orgIssues)
	api.Put("/organizations/:org/issues/", a.orgIssuesUpdate)
	api.Delete("/organizations/:org/issues/", a.orgIssuesDelete)
	api.Get("/issues/:id/activity/", a.issueActivity)
	api.Get("/issues/:id/", a.issue)
	api.Put("/issues/:id/", a.issueUpdate)
	api.Delete("/issues/:id/", a.issueDelete)
}

// groupStatsPeriod reads the list's groupStatsPeriod: 24h (also "" and
// auto) or 14d; without it the list has no stats.
func groupStatsPeriod(c *fiber.Ctx) (string, error) {
	v, asked := c.Queries()["groupStatsPeriod"]
	if !asked {
		return "", nil
	}
	switch v {
	case "", "auto":
		return "24h", nil
	case "24h", "14d":
		return v, nil
	}
	return "", fiber.NewError(fiber.StatusBadRequest, "groupStatsPeriod: use 24h, 14d, auto or nothing")
}

// issueSearch reads the request's query, sort, period and bounds into a
// search over the given projects.
func (a *API) issueSearch(c *fiber.Ctx, orgID int64, projectIDs []int64) (issues.Search, error) {
	return a.issueSearchFor(c, orgID, projectIDs, issueQuery(c))
}

// issueQuery is the request's search text. As in Sentry, no query= at all
// means "is:unresolved", while an empty one (sentry-cli's `issues list`
// without --query, the dashboard's "has this project any issue") filters
// nothing.
func issueQuery(c *fiber.Ctx) string {
	if !c.Context().QueryArgs().Has("query") {
		return "is:unresolved"
	}
	return c.Query("query")
}

// issueSearchFor is issueSearch with the search text given.
func (a *API) issueSearchFor(c *fiber.Ctx, orgID int64, projectIDs []int64, text string) (issues.Search, error) {
	s := issues.Search{OrgID: orgID, UserID: principal(c).UserID, ProjectIDs: projectIDs, Sort: c.Query("sort"), Now: time.Now().UTC()}
	q, err := search.Parse(text, s.Now)
	if err != nil {
		return s, fiber.NewError(fiber.StatusBadRequest, "query: "+err.Error())
	}
	s.Query = q
	if c.Query("statsPeriod") != "" {
		if s.Period, err = a.periodParam(c, ""); err != nil {
			return s, err
		}
	}
	if s.Start, _, err = a.timeParam(c, "start", s.Now); err != nil {
		return s, err
	}
	if s.End, _, err = a.timeParam(c, "end", s.Now); err != nil {
		return s, err
	}
	return s, nil
}

// listIssues answers a search over projects of one organization.
func (a *API) listIssues(c *fiber.Ctx, orgID int64, projects []metadata.Project) error {
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	s, err := a.issueSearch(c, orgID, projectIDsOf(projects))
	if err != nil {
		return err
	}
	s.Limit, s.Offset = pg.limit+1, pg.offset
	if s.StatsPeriod, err = groupStatsPeriod(c); err != nil {
		return err
	}
	// The total, as Sentry's X-Hits, with X-Max-Hits where counting stops.
	found, hits, err := a.finder.ListCounted(c.Context(), s)
	if err != nil {
		return err
	}
	c.Set("X-Hits", strconv.Itoa(hits))
	c.Set("X-Max-Hits", strconv.Itoa(issues.MaxCounted))
	platform := map[int64]string{}
	for _, p := range projects {
		platform[p.ID] = p.Platform
	}
	found = trimPage(c, pg, found)
	out := make([]issueJSON, len(found))
	for i, is := range found {
		out[i] = newIssueJSON(is, platform[is.ProjectID])
		if s.StatsPeriod != "" {
			out[i] = out[i].withStats(s.StatsPeriod, is.Stats)
		}
		out[i].Permalink = a.issueLink(c.Params("org"), is.ID)
	}
	return c.JSON(out)
}

func (a *API) projectIssues(c *fiber.Ctx) error {
	project, err := a.loadProject(c)
	if err != nil {
		return err
	}
	return a.listIssues(c, project.OrgID, []metadata.Project{project})
}

func (a *API) orgIssues(c *fiber.Ctx) error {
	m, projects, err := a.orgProjectsAllowing(c, "event:read")
	if err != nil {
		return err
	}
	return a.listIssues(c, m.OrgID, projects)
}

// loadIssue finds the issue in the URL among those the caller may see.
func (a *API) loadIssue(c *fiber.Ctx) (metadata.Issue, error) {
	id, err := a.issueParam(c)
	if err != nil {
		return metadata.Issue{}, err
	}
	return a.finder.Get(c.Context(), principal(c).UserID, id)
}

// issueParam checks the caller may read events and reads the issue id in
// the URL; one that cannot be an id is a 404 like any unknown issue.
func (a *API) issueParam(c *fiber.Ctx) (int64, error) {
	if err := requireScope(c, "event:read"); err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.NewError(fiber.StatusNotFound, "issue not found")
	}
	return id, nil
}

func (a *API) issue(c *fiber.Ctx) error {
	id, err := a.issueParam(c)
	if err != nil {
		return err
	}
	is, err := a.finder.Detail(c.Context(), principal(c).UserID, id)
	if err != nil {
		return err
	}
	out := newIssueJSON(is, "").withReleases(is.Issue)
	out.Permalink = a.issueLink(is.OrgSlug, is.ID)
	return c.JSON(out)
}

// issueLink is the dashboard page of an issue, Sentry's permalink.
func (a *API) issueLink(org string, id int64) string {
	return a.appLink(url.PathEscape(org) + "/issues/" + itoa(id) + "/")
}

type activityJSON struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	User        *string        `json:"user"`
	Data        map[string]any `json:"data"`
	DateCreated string         `json:"dateCreated"`
}

func (a *API) issueActivity(c *fiber.Ctx) error {
	id, err := a.issueParam(c)
	if err != nil {
		return err
	}
	items, err := a.finder.Activity(c.Context(), principal(c).UserID, id)
	if err != nil {
		return err
	}
	out := make([]activityJSON, len(items))
	for i, it := range items {
		out[i] = activityJSON{ID: itoa(it.ID), Type: it.Kind, Data: it.Data, DateCreated: isoTime(it.CreatedAt)}
		if it.UserEmail != "" {
			email := it.UserEmail
			out[i].User = &email
		}
	}
	return c.JSON(out)
}
