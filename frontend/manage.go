package frontend

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
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
	if err == nil {
		c.Locals(membershipKey, m)
	}
	return m, err
}

// membershipKey holds the request's membership once loaded.
const membershipKey = "membership"

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

// projectAllowing loads the project in the URL, among those the caller
// sees, and checks scope.
func (a *API) projectAllowing(c *fiber.Ctx, scope string) (metadata.Project, error) {
	m, err := a.orgAllowing(c, scope)
	if err != nil {
		return metadata.Project{}, err
	}
	return a.visibleProject(c, m, c.Params("project"))
}

// orgJSON is Sentry's organization summary, the shape every client
// (sentry-cli's organizations list among them) parses strictly.
type orgJSON struct {
	ID                       string        `json:"id"`
	Slug                     string        `json:"slug"`
	Name                     string        `json:"name"`
	Role                     string        `json:"role,omitempty"`
	DateCreated              string        `json:"dateCreated,omitempty"`
	Status                   *orgStatus    `json:"status,omitempty"`
	IsEarlyAdopter           *bool         `json:"isEarlyAdopter,omitempty"`
	Require2FA               *bool         `json:"require2FA,omitempty"`
	RequireEmailVerification *bool         `json:"requireEmailVerification,omitempty"`
	Features                 *[]string     `json:"features,omitempty"`
	Avatar                   *avatarJSON   `json:"avatar,omitempty"`
	Links                    *orgLinksJSON `json:"links,omitempty"`
	// On one organization's own answers: its settings.
	RequireSSO     *bool `json:"requireSso,omitempty"`
	OpenMembership *bool `json:"openMembership,omitempty"`
}

type orgStatus struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type avatarJSON struct {
	AvatarType string  `json:"avatarType"`
	AvatarUUID *string `json:"avatarUuid"`
}

type orgLinksJSON struct {
	OrganizationURL string `json:"organizationUrl"`
	RegionURL       string `json:"regionUrl"`
}

// newOrgJSON is the full summary of an organization the caller belongs to;
// a project's nested organization stays the short id/slug form. Faultline
// has no early-adopter program and no organization-wide 2FA or email
// verification requirement, so those are false.
func (a *API) newOrgJSON(id int64, slug, name, role string, created time.Time) orgJSON {
	no, base := false, strings.TrimSuffix(a.opts.PublicURL, "/")
	return orgJSON{ID: itoa(id), Slug: slug, Name: name, Role: role, DateCreated: isoTime(created),
		Status: &orgStatus{ID: "active", Name: "active"}, IsEarlyAdopter: &no, Require2FA: &no,
		RequireEmailVerification: &no, Features: &[]string{}, Avatar: &avatarJSON{AvatarType: "letter_avatar"},
		Links: &orgLinksJSON{OrganizationURL: base, RegionURL: base}}
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
		out[i] = a.newOrgJSON(o.ID, o.Slug, o.Name, o.Role, o.CreatedAt)
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
	return c.Status(fiber.StatusCreated).JSON(a.newOrgJSON(o.ID, o.Slug, o.Name, o.Role, o.CreatedAt))
}

func (a *API) organization(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "org:read")
	if err != nil {
		return err
	}
	return c.JSON(a.organizationAnswer(m))
}

// organizationAnswer is one organization's own answer: its summary and
// its settings, all read with the caller's membership.
func (a *API) organizationAnswer(m metadata.Membership) orgJSON {
	out := a.newOrgJSON(m.OrgID, m.OrgSlug, m.OrgName, m.Role, m.OrgCreatedAt)
	out.RequireSSO, out.OpenMembership = &m.RequireSSO, &m.OpenMembership
	return out
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
	ResolveAge     int      `json:"resolveAge"`
	SubjectPrefix  string   `json:"subjectPrefix"`
	Options        any      `json:"options"`
	DateCreated    string   `json:"dateCreated"`
	// Teams are the project's teams; Team is the first of them (null for
	// none), which sentry-cli's projects list shows.
	Teams []teamRefJSON `json:"teams"`
	Team  *teamRefJSON  `json:"team"`
	// IsMember: the organization's membership is open, or the caller is
	// in one of the project's teams. HasAccess: the caller sees the
	// project (every project answered is one the caller sees, but for
	// one just created outside the caller's teams).
	IsMember     bool     `json:"isMember"`
	HasAccess    bool     `json:"hasAccess"`
	IsBookmarked bool     `json:"isBookmarked"`
	Status       string   `json:"status"`
	Features     []string `json:"features"`
}

type teamRefJSON struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// projectDetail is a project with its teams, as Sentry answers one
// project (Terraform's provider reads the teams back).
func (a *API) projectDetail(c *fiber.Ctx, p metadata.Project) (projectJSON, error) {
	out, err := a.projectsJSON(c, []metadata.Project{p})
	if err != nil {
		return projectJSON{}, err
	}
	return out[0], nil
}

// projectsJSON renders projects with their teams, found in one query.
func (a *API) projectsJSON(c *fiber.Ctx, projects []metadata.Project) ([]projectJSON, error) {
	ids := make([]int64, len(projects))
	for i, p := range projects {
		ids[i] = p.ID
	}
	teams, err := a.db.TeamsOfProjects(c.Context(), ids)
	if err != nil {
		return nil, err
	}
	mine, err := a.db.ProjectsOfUserTeams(c.Context(), principal(c).UserID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]projectJSON, len(projects))
	for i, p := range projects {
		out[i] = newProjectJSON(p)
		out[i].IsMember = p.OrgOpenMembership || mine[p.ID]
		for _, t := range teams[p.ID] {
			out[i].Teams = append(out[i].Teams, teamRefJSON{ID: itoa(t.ID), Slug: t.Slug, Name: t.Name})
		}
		if len(out[i].Teams) > 0 {
			out[i].Team = &out[i].Teams[0]
		}
	}
	return out, nil
}

func newProjectJSON(p metadata.Project) projectJSON {
	domains := p.AllowedOrigins
	if len(domains) == 0 {
		domains = []string{"*"}
	}
	return projectJSON{ID: itoa(p.ID), Slug: p.Slug, Name: p.Name, Platform: p.Platform,
		Organization: orgJSON{ID: itoa(p.OrgID), Slug: p.OrgSlug, Name: p.OrgName}, AllowedDomains: domains, ScrubData: p.ScrubData,
		ApdexThreshold: p.ApdexMillis, ResolveAge: p.ResolveAgeHours, SubjectPrefix: p.SubjectPrefix, Options: projectOptions(p),
		DateCreated: isoTime(p.CreatedAt), Teams: []teamRefJSON{}, IsMember: true, HasAccess: true, Status: "active", Features: []string{}}
}

func (a *API) listProjects(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "project:read")
	if err != nil {
		return err
	}
	projects, err := a.visibleProjects(c, m)
	if err != nil {
		return err
	}
	out, err := a.projectsJSON(c, projects)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (a *API) createProject(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "project:write")
	if err != nil {
		return err
	}
	return a.addProject(c, m, 0)
}

// addProject creates the project the body describes in m's organization,
// given to the team teamID when it is not 0. Sentry's default_rules (an
// alert on every new issue, on by default) is accepted; Faultline creates
// no alert rule on its own.
func (a *API) addProject(c *fiber.Ctx, m metadata.Membership, teamID int64) error {
	var body struct {
		Name         string `json:"name"`
		Slug         string `json:"slug"`
		Platform     string `json:"platform"`
		DefaultRules *bool  `json:"default_rules"`
	}
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with name (and optionally slug, platform and default_rules)")
	}
	p, err := a.db.CreateProject(c.Context(), metadata.NewProject{OrgID: m.OrgID, Name: body.Name, Slug: body.Slug, Platform: body.Platform, TeamID: teamID})
	if err != nil {
		return err
	}
	a.audit(c, m.OrgID, "project.create", p.ID, map[string]any{"slug": p.Slug, "name": p.Name, "platform": p.Platform})
	out, err := a.projectDetail(c, p)
	if err != nil {
		return err
	}
	// With membership closed, an admin who creates a project outside its
	// teams does not see it from then on.
	out.HasAccess = m.SeesEveryProject() || out.IsMember
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (a *API) project(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:read")
	if err != nil {
		return err
	}
	out, err := a.projectDetail(c, p)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (a *API) deleteProject(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:admin")
	if err != nil {
		return err
	}
	if err := a.db.DeleteProject(c.Context(), p.ID); err != nil {
		return err
	}
	a.audit(c, p.OrgID, "project.remove", p.ID, map[string]any{"slug": p.Slug, "name": p.Name})
	return c.SendStatus(fiber.StatusNoContent)
}

// keyJSON is Sentry's client key: its id is the public key (which the
// key routes take, as they take the numeric id of older answers), its
// projectId a number.
type keyJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Label     string `json:"label"`
	Public    string `json:"public"`
	Secret    string `json:"secret"`
	ProjectID int64  `json:"projectId"`
	IsActive  bool   `json:"isActive"`
	RateLimit *struct {
		Window int `json:"window"`
		Count  int `json:"count"`
	} `json:"rateLimit"`
	DSN struct {
		Public   string `json:"public"`
		Secret   string `json:"secret"`
		Security string `json:"security"`
		CSP      string `json:"csp"`
	} `json:"dsn"`
	DateCreated string `json:"dateCreated"`
}

func (a *API) newKeyJSON(k metadata.DSNKey) keyJSON {
	out := keyJSON{ID: k.PublicKey, Name: k.Label, Label: k.Label, Public: k.PublicKey, Secret: k.SecretKey, ProjectID: k.ProjectID,
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
		u.User, u.Path, u.RawQuery = nil, strings.TrimSuffix(u.Path, "/"+itoa(k.ProjectID))+"/api/"+itoa(k.ProjectID)+"/security/", "sentry_key="+k.PublicKey
		out.DSN.Security = u.String()
		out.DSN.CSP = out.DSN.Security
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
	a.audit(c, p.OrgID, "projectkey.create", k.ID, map[string]any{"project": p.Slug, "name": k.Label})
	return c.Status(fiber.StatusCreated).JSON(a.newKeyJSON(k))
}

// Bounds of a DSN key's rate limit (PostgreSQL integers).
const (
	maxRateLimitCount  = 1_000_000_000
	maxRateLimitWindow = 365 * 24 * 60 * 60
)

// keyParam finds the project's key the URL names, by its public key (as
// Sentry's routes name keys) or by its numeric id.
func (a *API) keyParam(c *fiber.Ctx, projectID int64) (int64, error) {
	param := c.Params("key_id")
	if id, err := strconv.ParseInt(param, 10, 64); err == nil {
		return id, nil
	}
	keys, err := a.db.ListKeys(c.Context(), projectID)
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if k.PublicKey == param {
			return k.ID, nil
		}
	}
	return 0, fiber.NewError(fiber.StatusNotFound, "DSN key not found")
}

func (a *API) updateKey(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:write")
	if err != nil {
		return err
	}
	id, err := a.keyParam(c, p.ID)
	if err != nil {
		return err
	}
	u, err := parseKeyUpdate(c)
	if err != nil {
		return err
	}
	k, err := a.db.UpdateKey(c.Context(), p.ID, id, u)
	if errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "DSN key not found")
	}
	if err != nil {
		return err
	}
	a.audit(c, p.OrgID, "projectkey.edit", k.ID, keyAudit(p, k))
	return c.JSON(a.newKeyJSON(k))
}

// parseKeyUpdate reads a key PUT body as Sentry takes it: name, isActive
// and rateLimit {"window": seconds, "count": events}, null removing the
// limit. A value of the wrong type is a 400 naming its field; other fields
// are ignored.
func parseKeyUpdate(c *fiber.Ctx) (metadata.KeyUpdate, error) {
	var u metadata.KeyUpdate
	f, err := readBodyFields(c)
	if err != nil {
		return u, err
	}
	if u.Label, err = optional[string](f, "name", "a string"); err != nil {
		return u, err
	}
	if u.Active, err = optional[bool](f, "isActive", "true or false"); err != nil {
		return u, err
	}
	if f.isNull("rateLimit") {
		zero, none := 0, time.Duration(0)
		u.RateLimit, u.RateWindow = &zero, &none
		return u, nil
	}
	limit, err := optional[bodyFields](f, "rateLimit", `an object {"window": seconds, "count": events} or null`)
	if err != nil || limit == nil {
		return u, err
	}
	count, err := optional[int](*limit, "count", "a whole number of events")
	if err != nil {
		return u, optionFieldError("rateLimit.", err)
	}
	window, err := optional[int](*limit, "window", "a whole number of seconds")
	if err != nil {
		return u, optionFieldError("rateLimit.", err)
	}
	if count == nil {
		count = new(int)
	}
	if window == nil {
		window = new(int)
	}
	if *count < 0 || *count > maxRateLimitCount {
		return u, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("rateLimit.count: events per window, from 0 to %d", maxRateLimitCount))
	}
	if *window < 0 || *window > maxRateLimitWindow {
		return u, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("rateLimit.window: seconds, from 0 (no limit) to %d (a year)", maxRateLimitWindow))
	}
	w := time.Duration(*window) * time.Second
	u.RateLimit, u.RateWindow = count, &w
	return u, nil
}

func (a *API) deleteKey(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:admin")
	if err != nil {
		return err
	}
	id, err := a.keyParam(c, p.ID)
	if err != nil {
		return err
	}
	if err := a.db.DeleteKey(c.Context(), p.ID, id); errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "DSN key not found")
	} else if err != nil {
		return err
	}
	a.audit(c, p.OrgID, "projectkey.remove", id, map[string]any{"project": p.Slug})
	return c.SendStatus(fiber.StatusNoContent)
}
