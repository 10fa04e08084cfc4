package frontend

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// repoStore keeps organizations' repositories.
type repoStore interface {
	Repositories(ctx context.Context, orgID int64) ([]metadata.Repository, error)
	CreateRepository(ctx context.Context, orgID int64, nr metadata.NewRepository) (metadata.Repository, error)
	DeleteRepository(ctx context.Context, orgID, id int64) error
	HiddenRepositories(ctx context.Context, orgID int64, visible []int64) (map[int64]bool, error)
}

// hiddenRepos is which repositories the caller does not see: with
// membership closed, those only other teams' releases name.
func (a *API) hiddenRepos(c *fiber.Ctx, m metadata.Membership) (map[int64]bool, error) {
	v, err := a.visibility(c, m)
	if err != nil || v.All {
		return nil, err
	}
	visible := make([]int64, 0, len(v.Projects))
	for id := range v.Projects {
		visible = append(visible, id)
	}
	return a.repos.HiddenRepositories(c.Context(), m.OrgID, visible)
}

// registerRepos mounts Sentry's organization repositories: the custom
// repositories that releases' refs name (sentry-cli's set-commits lists
// them before it sends refs).
func (a *API) registerRepos(api fiber.Router) {
	api.Get("/organizations/:org/repos/", a.listRepos)
	api.Post("/organizations/:org/repos/", a.createRepo)
	api.Delete("/organizations/:org/repos/:repo_id/", a.deleteRepo)
}

// repoJSON is a repository in Sentry's shape, as sentry-cli reads it.
type repoJSON struct {
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	URL           *string          `json:"url"`
	Provider      repoProviderJSON `json:"provider"`
	Status        string           `json:"status"`
	DateCreated   string           `json:"dateCreated"`
	IntegrationID *string          `json:"integrationId"`
	ExternalSlug  string           `json:"externalSlug"`
	ExternalID    *string          `json:"externalId"`
}

type repoProviderJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func newRepoJSON(r metadata.Repository) repoJSON {
	return repoJSON{ID: itoa(r.ID), Name: r.Name, URL: nonEmpty(r.URL), Provider: repoProviderJSON{ID: r.Provider, Name: "Custom"},
		Status: "active", DateCreated: isoTime(r.CreatedAt), ExternalSlug: r.Name}
}

// repoAdmin loads the organization in the URL and checks the caller may
// change its repositories: org:write or org:admin, as Sentry asks.
func (a *API) repoAdmin(c *fiber.Ctx) (metadata.Membership, error) {
	m, err := a.membership(c)
	if err != nil {
		return m, err
	}
	if err := allow(c, m, "org:write"); err != nil {
		if allow(c, m, "org:admin") == nil {
			return m, nil
		}
		return m, err
	}
	return m, nil
}

func (a *API) listRepos(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "org:read")
	if err != nil {
		return err
	}
	page, err := parsePage(c)
	if err != nil {
		return err
	}
	repos, err := a.repos.Repositories(c.Context(), m.OrgID)
	if err != nil {
		return err
	}
	hidden, err := a.hiddenRepos(c, m)
	if err != nil {
		return err
	}
	repos = slices.DeleteFunc(repos, func(r metadata.Repository) bool { return hidden[r.ID] })
	repos = trimPage(c, page, pageOf(repos, page))
	out := make([]repoJSON, len(repos))
	for i, r := range repos {
		out[i] = newRepoJSON(r)
	}
	return c.JSON(out)
}

// createRepo adds a custom repository (201), or answers 409 when the
// organization has one of that name.
func (a *API) createRepo(c *fiber.Ctx) error {
	m, err := a.repoAdmin(c)
	if err != nil {
		return err
	}
	var body struct {
		Name     string  `json:"name"`
		URL      *string `json:"url"`
		Provider *string `json:"provider"`
	}
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with name, and optionally url")
	}
	nr := metadata.NewRepository{Name: strings.TrimSpace(body.Name)}
	if body.URL != nil {
		nr.URL = *body.URL
	}
	if body.Provider != nil {
		nr.Provider = *body.Provider
	}
	r, err := a.repos.CreateRepository(c.Context(), m.OrgID, nr)
	if errors.Is(err, metadata.ErrDuplicate) {
		return fiber.NewError(fiber.StatusConflict, "organization "+m.OrgSlug+" already has a repository named "+nr.Name)
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newRepoJSON(r))
}

func (a *API) deleteRepo(c *fiber.Ctx) error {
	m, err := a.repoAdmin(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Params("repo_id"), 10, 64)
	if err != nil || id <= 0 {
		return fiber.NewError(fiber.StatusNotFound, "repository not found")
	}
	if err := a.repos.DeleteRepository(c.Context(), m.OrgID, id); errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "repository not found")
	} else if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// refRepositories resolves the repository names of a release body's refs
// among the organization's repositories, ignoring case as sentry-cli does,
// to the names as the organization spells them. Refs to repositories it
// does not have are a 400 naming them, as Sentry answers.
func (a *API) refRepositories(ctx context.Context, m metadata.Membership, body *releaseBody) error {
	if len(body.Refs) == 0 {
		return nil
	}
	repos, err := a.repos.Repositories(ctx, m.OrgID)
	if err != nil {
		return err
	}
	var unknown []string
	for i, ref := range body.Refs {
		found := false
		for _, r := range repos {
			if strings.EqualFold(r.Name, ref.Repository) {
				body.Refs[i].Repository, found = r.Name, true
				break
			}
		}
		if !found {
			unknown = append(unknown, strconv.Quote(ref.Repository))
		}
	}
	if len(unknown) > 0 {
		return fiber.NewError(fiber.StatusBadRequest, "refs: invalid repository names: "+strings.Join(unknown, ", ")+
			" (add them with POST /api/0/organizations/"+m.OrgSlug+"/repos/)")
	}
	return nil
}
