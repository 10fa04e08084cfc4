package frontend

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/faultline/faultline/frontend/releases"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// releaseScopeName is Sentry's scope for release tokens (sentry-cli's).
// Changing releases needs it; reading them takes it or project:read.
const releaseScopeName = "project:releases"

// registerReleases mounts Sentry's releases API, deploys and commits on
// the authenticated API group.
func (a *API) registerReleases(api fiber.Router) {
	const org = "/organizations/:org/releases/"
	api.Get(org, a.listReleases)
	api.Post(org, a.createRelease)
	api.Get(org+":version/", a.getRelease)
	api.Put(org+":version/", a.updateRelease)
	api.Delete(org+":version/", a.deleteRelease)
	api.Get(org+":version/deploys/", a.listDeploys)
	api.Post(org+":version/deploys/", a.createDeploy)
	api.Get(org+":version/commits/", a.listCommits)
	api.Get(org+":version/previous-with-commits/", a.previousWithCommits)
	api.Get("/projects/:org/:project/releases/", a.listReleases)
	api.Get("/projects/:org/:project/releases/:version/", a.getRelease)
}

// releaseScope loads the organization in the URL with its projects and
// checks the caller may read (or, with write, change) its releases. The
// scope is narrowed to the project in the URL, or to those project=
// names (ids or slugs).
func (a *API) releaseScope(c *fiber.Ctx, write bool) (metadata.Membership, releases.Scope, error) {
	m, err := a.membership(c)
	if err != nil {
		return m, releases.Scope{}, err
	}
	if err := allow(c, m, releaseScopeName); err != nil && (write || allow(c, m, "project:read") != nil) {
		return m, releases.Scope{}, err
	}
	all, err := a.visibleProjects(c, m)
	if err != nil {
		return m, releases.Scope{}, err
	}
	sc := releases.Scope{OrgID: m.OrgID, Projects: all}
	var wanted []string
	if p := c.Params("project"); p != "" {
		wanted = []string{p}
	} else {
		for _, w := range c.Context().QueryArgs().PeekMulti("project") {
			wanted = append(wanted, string(w))
		}
	}
	for _, w := range wanted {
		if i := indexProject(all, w); i >= 0 {
			sc.Only = append(sc.Only, all[i].ID)
		}
	}
	if len(wanted) > 0 && len(sc.Only) == 0 {
		return m, sc, fiber.NewError(fiber.StatusNotFound, "project not found")
	}
	v, err := a.visibility(c, m)
	if err != nil {
		return m, sc, err
	}
	sc.Partial = !v.All
	if !v.All && len(wanted) == 0 {
		// A member who sees only its teams' projects sees only their
		// releases (an empty Only picks none).
		sc.Only = projectIDsOf(all)
	}
	return m, sc, nil
}

// releaseTarget is releaseScope and the version in the URL: the release a
// request is about.
func (a *API) releaseTarget(c *fiber.Ctx, write bool) (metadata.Membership, releases.Scope, string, error) {
	m, sc, err := a.releaseScope(c, write)
	if err != nil {
		return m, sc, "", err
	}
	version, err := releaseVersion(c)
	if err != nil {
		return m, sc, version, err
	}
	v, err := a.visibility(c, m)
	if err != nil {
		return m, sc, version, err
	}
	if !v.All {
		// A member who sees only its teams' projects reaches only their
		// releases (its deploys, commits and files too): any other
		// answers 404.
		if _, err := a.releases.Get(c.Context(), sc, version, time.Now()); err != nil {
			return m, sc, version, err
		}
	}
	return m, sc, version, nil
}

// releaseVersion is the version in the URL, percent-decoded and checked.
func releaseVersion(c *fiber.Ctx) (string, error) {
	v, err := url.PathUnescape(c.Params("version"))
	if err != nil {
		return "", fiber.NewError(fiber.StatusBadRequest, "the release version in the URL is not well percent-encoded")
	}
	return v, metadata.ValidReleaseVersion(v)
}

func (a *API) listReleases(c *fiber.Ctx) error {
	_, sc, err := a.releaseScope(c, false)
	if err != nil {
		return err
	}
	page, err := parsePage(c)
	if err != nil {
		return err
	}
	views, err := a.releases.List(c.Context(), sc, c.Query("query"), page.limit+1, page.offset, time.Now())
	if err != nil {
		return err
	}
	views = trimPage(c, page, views)
	out := make([]releaseJSON, len(views))
	for i, v := range views {
		out[i] = newReleaseJSON(v)
	}
	return c.JSON(out)
}

func (a *API) getRelease(c *fiber.Ctx) error {
	_, sc, version, err := a.releaseTarget(c, false)
	if err != nil {
		return err
	}
	v, err := a.releases.Get(c.Context(), sc, version, time.Now())
	if err != nil {
		return err
	}
	return c.JSON(newReleaseJSON(v))
}

// createRelease creates a release (201) or adds projects and commits to
// the one of that version (208 Already Reported, as Sentry answers).
func (a *API) createRelease(c *fiber.Ctx) error {
	m, sc, err := a.releaseScope(c, true)
	if err != nil {
		return err
	}
	var body releaseBody
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with version and projects")
	}
	if err := metadata.ValidReleaseVersion(body.Version); err != nil {
		return err
	}
	if err := body.checkStatus(); err != nil {
		return err
	}
	nr := metadata.NewRelease{Version: body.Version}
	if nr.ProjectIDs, err = projectIDs(body.Projects, m.OrgSlug, sc.Projects); err != nil {
		return err
	}
	if nr.DateReleased, err = parseJSONTime("dateReleased", body.DateReleased); err != nil {
		return err
	}
	if body.Ref != nil {
		nr.Ref = *body.Ref
	}
	if body.URL != nil {
		nr.URL = *body.URL
	}
	if err := a.refRepositories(c.Context(), m, &body); err != nil {
		return err
	}
	if nr.Commits, err = body.commits(); err != nil {
		return err
	}
	v, created, err := a.releases.Create(c.Context(), sc, nr, time.Now())
	if err != nil {
		return err
	}
	status := fiber.StatusAlreadyReported
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(newReleaseJSON(v))
}

func (a *API) updateRelease(c *fiber.Ctx) error {
	m, sc, version, err := a.releaseTarget(c, true)
	if err != nil {
		return err
	}
	var body releaseBody
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with the fields to change (ref, url, dateReleased, projects, refs, commits)")
	}
	ch := metadata.ReleaseChanges{Ref: body.Ref, URL: body.URL, SetDateReleased: len(body.DateReleased) > 0}
	if ch.DateReleased, err = parseJSONTime("dateReleased", body.DateReleased); err != nil {
		return err
	}
	if ch.ProjectIDs, err = projectIDs(body.Projects, m.OrgSlug, sc.Projects); err != nil {
		return err
	}
	if err := a.refRepositories(c.Context(), m, &body); err != nil {
		return err
	}
	if ch.Commits, err = body.commits(); err != nil {
		return err
	}
	if err := body.checkStatus(); err != nil {
		return err
	}
	v, err := a.releases.Update(c.Context(), sc, version, ch, time.Now())
	if err != nil {
		return err
	}
	return c.JSON(newReleaseJSON(v))
}

func (a *API) deleteRelease(c *fiber.Ctx) error {
	_, sc, version, err := a.releaseTarget(c, true)
	if err != nil {
		return err
	}
	if err := a.releases.Delete(c.Context(), sc.OrgID, version); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *API) createDeploy(c *fiber.Ctx) error {
	_, sc, version, err := a.releaseTarget(c, true)
	if err != nil {
		return err
	}
	var body struct {
		Environment  string          `json:"environment"`
		Name         string          `json:"name"`
		URL          string          `json:"url"`
		DateStarted  json.RawMessage `json:"dateStarted"`
		DateFinished json.RawMessage `json:"dateFinished"`
	}
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with environment, and optionally name, url, dateStarted and dateFinished")
	}
	d := metadata.Deploy{Environment: body.Environment, Name: body.Name, URL: body.URL}
	if d.DateStarted, err = parseJSONTime("dateStarted", body.DateStarted); err != nil {
		return err
	}
	finished, err := parseJSONTime("dateFinished", body.DateFinished)
	if err != nil {
		return err
	}
	if finished != nil {
		d.DateFinished = *finished
	}
	// Checked before a version only events name is stored for the deploy.
	if err := metadata.ValidEnvironment(d.Environment); err != nil {
		return err
	}
	d, err = a.releases.CreateDeploy(c.Context(), sc, version, d, time.Now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newDeployJSON(d))
}

func (a *API) listDeploys(c *fiber.Ctx) error {
	return releaseList(a, c, a.releases.Deploys, newDeployJSON)
}

func (a *API) listCommits(c *fiber.Ctx) error {
	return releaseList(a, c, a.releases.Commits, newCommitJSON)
}

// releaseList answers one page of what load lists for the release in the
// URL (its deploys or its commits), each rendered by render.
func releaseList[T, J any](a *API, c *fiber.Ctx, load func(context.Context, releases.Scope, string, time.Time) ([]T, error), render func(T) J) error {
	_, sc, version, err := a.releaseTarget(c, false)
	if err != nil {
		return err
	}
	page, err := parsePage(c)
	if err != nil {
		return err
	}
	items, err := load(c.Context(), sc, version, time.Now())
	if err != nil {
		return err
	}
	items = trimPage(c, page, pageOf(items, page))
	out := make([]J, len(items))
	for i, it := range items {
		out[i] = render(it)
	}
	return c.JSON(out)
}

// previousWithCommits answers the release before the version that has
// commits, with its head commit as lastCommit, or {} when there is none
// (sentry-cli's set-commits reads the git log from there).
func (a *API) previousWithCommits(c *fiber.Ctx) error {
	_, sc, version, err := a.releaseTarget(c, false)
	if err != nil {
		return err
	}
	v, head, ok, err := a.releases.PreviousWithCommits(c.Context(), sc, version, time.Now())
	switch {
	case err != nil:
		return err
	case !ok:
		return c.JSON(fiber.Map{})
	}
	out := newReleaseJSON(v)
	last := newCommitJSON(head)
	out.LastCommit = &last
	return c.JSON(out)
}

// pageOf cuts a whole list to the page, with the one item after it that
// tells trimPage there is more.
func pageOf[T any](items []T, p page) []T {
	if p.offset >= len(items) {
		return nil
	}
	return items[p.offset:min(p.offset+p.limit+1, len(items))]
}
