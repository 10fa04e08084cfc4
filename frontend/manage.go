package frontend

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// membership finds the caller's membership in the organization in the URL.
// Not being a member and the organization not existing look the same: 404.
func (a *API) membership(c *fiber.Ctx) (metadata.Membership, error) {
	m, err := a.access.MembershipBySlug(c.Context(), principal(c).UserID, c.Params("org"))
	if errors.Is(err, metadata.ErrNotFound) {
		return m, fiber.NewError(fiber.StatusNotFound, "organization not found")
	}
	return m, err
}

// allow answers 403 unless the caller's token and role both grant scope.
func allow(c *fiber.Ctx, m metadata.Membership, scope string) error {
	p := principal(c)
	if !p.HasScope(scope) {
		return fiber.NewError(fiber.StatusForbidden, "this token lacks the "+scope+" scope")
	}
	if !m.Allows(p, scope) {
		return fiber.NewError(fiber.StatusForbidden, fmt.Sprintf("your role (%s) does not allow %s", m.Role, scope))
	}
	return nil
}

// orgAllowing loads the organization in the URL and checks scope.
func (a *API) orgAllowing(c *fiber.Ctx, scope string) (metadata.Membership, error) {
	m, err := a.membership(c)
	if err != nil {
		return m, err
	}
	return m, allow(c, m, scope)
}

// projectAllowing loads the project in the URL and checks scope.
func (a *API) projectAllowing(c *fiber.Ctx, scope string) (metadata.Project, error) {
	m, err := a.orgAllowing(c, scope)
	if err != nil {
		return metadata.Project{}, err
	}
	p, err := a.access.ProjectInOrg(c.Context(), m.OrgID, c.Params("project"))
	if errors.Is(err, metadata.ErrNotFound) {
		return p, fiber.NewError(fiber.StatusNotFound, "project not found")
	}
	return p, err
}

type orgJSON struct {
	ID          string `json:"id"`
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Role        string `json:"role,omitempty"`
	DateCreated string `json:"dateCreated,omitempty"`
	RequireSSO  *bool  `json:"requireSso,omitempty"` // on one organization's own answers
}

func (a *API) listOrganizations(c *fiber.Ctx) error {
	if err := requireScope(c, "org:read"); err != nil {
		return err
	}
	orgs, err := a.db.ListOrganizations(c.Context(), principal(c).UserID)
	if err != nil {
		return err
	}
	out := make([]orgJSON, len(orgs))
	for i, o := range orgs {
		out[i] = orgJSON{ID: itoa(o.ID), Slug: o.Slug, Name: o.Name, Role: o.Role, DateCreated: isoTime(o.CreatedAt)}
	}
	return c.JSON(out)
}

func (a *API) createOrganization(c *fiber.Ctx) error {
	if err := requireScope(c, "org:write"); err != nil {
		return err
	}
	var body struct {
		Name string `json:"name"`
		Slug string `json:"slug"`
	}
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with name (and optionally slug)")
	}
	o, err := a.db.CreateOrganization(c.Context(), metadata.NewOrganization{Name: body.Name, Slug: body.Slug, OwnerID: principal(c).UserID})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(orgJSON{ID: itoa(o.ID), Slug: o.Slug, Name: o.Name, Role: o.Role, DateCreated: isoTime(o.CreatedAt)})
}

func (a *API) organization(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "org:read")
	if err != nil {
		return err
	}
	requireSSO, err := a.db.OrgRequiresSSO(c.Context(), m.OrgID)
	if err != nil {
		return err
	}
	return c.JSON(orgJSON{ID: itoa(m.OrgID), Slug: m.OrgSlug, Name: m.OrgName, Role: m.Role, RequireSSO: &requireSSO})
}

type projectJSON struct {
	ID             string   `json:"id"`
	Slug           string   `json:"slug"`
	Name           string   `json:"name"`
	Platform       string   `json:"platform"`
	Organization   orgJSON  `json:"organization"`
	AllowedDomains []string `json:"allowedDomains"`
	ScrubData      bool     `json:"scrubData"`
	ApdexThreshold int      `json:"apdexThreshold"`
	DateCreated    string   `json:"dateCreated"`
}

func newProjectJSON(p metadata.Project) projectJSON {
	domains := p.AllowedOrigins
	if len(domains) == 0 {
		domains = []string{"*"}
	}
	return projectJSON{ID: itoa(p.ID), Slug: p.Slug, Name: p.Name, Platform: p.Platform,
		Organization: orgJSON{ID: itoa(p.OrgID), Slug: p.OrgSlug}, AllowedDomains: domains, ScrubData: p.ScrubData, ApdexThreshold: p.ApdexMillis,
		DateCreated: isoTime(p.CreatedAt)}
}

func (a *API) listProjects(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "project:read")
	if err != nil {
		return err
	}
	projects, err := a.db.ListProjects(c.Context(), m.OrgID)
	if err != nil {
		return err
	}
	out := make([]projectJSON, len(projects))
	for i, p := range projects {
		out[i] = newProjectJSON(p)
	}
	return c.JSON(out)
}

func (a *API) createProject(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "project:write")
	if err != nil {
		return err
	}
	var body struct {
		Name     string `json:"name"`
		Slug     string `json:"slug"`
		Platform string `json:"platform"`
	}
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with name (and optionally slug and platform)")
	}
	p, err := a.db.CreateProject(c.Context(), metadata.NewProject{OrgID: m.OrgID, Name: body.Name, Slug: body.Slug, Platform: body.Platform})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newProjectJSON(p))
}

func (a *API) project(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:read")
	if err != nil {
		return err
	}
	return c.JSON(newProjectJSON(p))
}

func (a *API) updateProject(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:write")
	if err != nil {
		return err
	}
	var body struct {
		Name           *string   `json:"name"`
		Platform       *string   `json:"platform"`
		AllowedDomains *[]string `json:"allowedDomains"`
		ScrubData      *bool     `json:"scrubData"`
		ApdexThreshold *int      `json:"apdexThreshold"`
	}
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with the settings to change")
	}
	if body.AllowedDomains != nil {
		// ["*"] is how Sentry says "every origin"; stored as the empty list.
		if d := *body.AllowedDomains; len(d) == 1 && d[0] == "*" {
			body.AllowedDomains = &[]string{}
		}
	}
	p, err = a.db.UpdateProject(c.Context(), p.ID, metadata.ProjectUpdate{Name: body.Name, Platform: body.Platform,
		AllowedOrigins: body.AllowedDomains, ScrubData: body.ScrubData, ApdexMillis: body.ApdexThreshold})
	if err != nil {
		return err
	}
	return c.JSON(newProjectJSON(p))
}

func (a *API) deleteProject(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:admin")
	if err != nil {
		return err
	}
	if err := a.db.DeleteProject(c.Context(), p.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type keyJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Public    string `json:"public"`
	Secret    string `json:"secret"`
	ProjectID string `json:"projectId"`
	IsActive  bool   `json:"isActive"`
	RateLimit *struct {
		Window int `json:"window"`
		Count  int `json:"count"`
	} `json:"rateLimit"`
	DSN struct {
		Public string `json:"public"`
		Secret string `json:"secret"`
	} `json:"dsn"`
	DateCreated string `json:"dateCreated"`
}

func (a *API) newKeyJSON(k metadata.DSNKey) keyJSON {
	out := keyJSON{ID: itoa(k.ID), Name: k.Label, Public: k.PublicKey, Secret: k.SecretKey, ProjectID: itoa(k.ProjectID),
		IsActive: k.Active, DateCreated: isoTime(k.CreatedAt)}
	if k.RateWindow > 0 {
		out.RateLimit = &struct {
			Window int `json:"window"`
			Count  int `json:"count"`
		}{Window: int(k.RateWindow / time.Second), Count: k.RateLimit}
	}
	if u, err := url.Parse(a.opts.PublicURL); err == nil {
		u.Path = fmt.Sprintf("%s/%d", u.Path, k.ProjectID)
		u.User = url.User(k.PublicKey)
		out.DSN.Public = u.String()
		u.User = url.UserPassword(k.PublicKey, k.SecretKey)
		out.DSN.Secret = u.String()
	}
	return out
}

func (a *API) listKeys(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:read")
	if err != nil {
		return err
	}
	keys, err := a.db.ListKeys(c.Context(), p.ID)
	if err != nil {
		return err
	}
	out := make([]keyJSON, len(keys))
	for i, k := range keys {
		out[i] = a.newKeyJSON(k)
	}
	return c.JSON(out)
}

func (a *API) createKey(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:write")
	if err != nil {
		return err
	}
	var body struct {
		Name string `json:"name"`
	}
	_ = c.BodyParser(&body) // a name is optional
	k, err := a.db.CreateKey(c.Context(), p.ID, body.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a.newKeyJSON(k))
}

// Bounds of a DSN key's rate limit (PostgreSQL integers).
const (
	maxRateLimitCount  = 1_000_000_000
	maxRateLimitWindow = 365 * 24 * 60 * 60
)

func keyParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("key_id"), 10, 64)
	if err != nil {
		return 0, fiber.NewError(fiber.StatusNotFound, "DSN key not found")
	}
	return id, nil
}

func (a *API) updateKey(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:write")
	if err != nil {
		return err
	}
	id, err := keyParam(c)
	if err != nil {
		return err
	}
	var body struct {
		Name      *string `json:"name"`
		IsActive  *bool   `json:"isActive"`
		RateLimit *struct {
			Window int `json:"window"`
			Count  int `json:"count"`
		} `json:"rateLimit"`
	}
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with the settings to change")
	}
	u := metadata.KeyUpdate{Label: body.Name, Active: body.IsActive}
	if r := body.RateLimit; r != nil && (r.Count < 0 || r.Count > maxRateLimitCount) {
		return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("rateLimit.count: events per window, from 0 to %d", maxRateLimitCount))
	}
	if r := body.RateLimit; r != nil && (r.Window < 0 || r.Window > maxRateLimitWindow) {
		return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("rateLimit.window: seconds, from 0 (no limit) to %d (a year)", maxRateLimitWindow))
	}
	if body.RateLimit != nil {
		window := time.Duration(body.RateLimit.Window) * time.Second
		u.RateLimit, u.RateWindow = &body.RateLimit.Count, &window
	}
	k, err := a.db.UpdateKey(c.Context(), p.ID, id, u)
	if errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "DSN key not found")
	}
	if err != nil {
		return err
	}
	return c.JSON(a.newKeyJSON(k))
}

func (a *API) deleteKey(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:admin")
	if err != nil {
		return err
	}
	id, err := keyParam(c)
	if err != nil {
		return err
	}
	if err := a.db.DeleteKey(c.Context(), p.ID, id); errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "DSN key not found")
	} else if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
