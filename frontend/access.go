package frontend

import (
	"context"
	"errors"
	"strconv"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// accessStore finds the organizations and projects a caller may reach;
// *metadata.DB is one.
type accessStore interface {
	MembershipBySlug(ctx context.Context, userID int64, orgSlug string) (metadata.Membership, error)
	ProjectInOrg(ctx context.Context, orgID int64, slug string) (metadata.Project, error)
	ListProjects(ctx context.Context, orgID int64) ([]metadata.Project, error)
	ProjectVisibility(ctx context.Context, m metadata.Membership) (metadata.Visibility, error)
}

// Every route that reaches a project through an organization asks here
// which projects the caller sees: visibility answers it once per request
// and organization, visibleProjects and visibleProject apply it. A project
// the caller does not see answers 404, as one that does not exist does.
// Routes that resolve an object by the user alone (an issue by id, the
// projects of every organization) use the same rule in SQL
// (metadata/access.go).

// visibility is which of m's organization's projects the caller sees,
// asked of the database once per request.
func (a *API) visibility(c *fiber.Ctx, m metadata.Membership) (metadata.Visibility, error) {
	if m.SeesEveryProject() {
		return metadata.Visibility{All: true}, nil
	}
	key := "visibility:" + itoa(m.OrgID)
	if v, ok := c.Locals(key).(metadata.Visibility); ok {
		return v, nil
	}
	v, err := a.access.ProjectVisibility(c.Context(), m)
	if err != nil {
		return v, err
	}
	c.Locals(key, v)
	return v, nil
}

// visibleProjects is the organization's projects the caller sees.
func (a *API) visibleProjects(c *fiber.Ctx, m metadata.Membership) ([]metadata.Project, error) {
	all, err := a.access.ListProjects(c.Context(), m.OrgID)
	if err != nil {
		return nil, err
	}
	v, err := a.visibility(c, m)
	if err != nil || v.All {
		return all, err
	}
	out := all[:0:0]
	for _, p := range all {
		if v.Sees(p.ID) {
			out = append(out, p)
		}
	}
	return out, nil
}

// visibleProject finds the organization's project by slug among those the
// caller sees; any other is a 404.
func (a *API) visibleProject(c *fiber.Ctx, m metadata.Membership, slug string) (metadata.Project, error) {
	p, err := a.access.ProjectInOrg(c.Context(), m.OrgID, slug)
	if errors.Is(err, metadata.ErrNotFound) {
		return p, fiber.NewError(fiber.StatusNotFound, "project not found")
	}
	if err != nil {
		return p, err
	}
	v, err := a.visibility(c, m)
	if err != nil {
		return p, err
	}
	if !v.Sees(p.ID) {
		return metadata.Project{}, fiber.NewError(fiber.StatusNotFound, "project not found")
	}
	return p, nil
}

// sees reports whether the caller sees the project of m's organization
// with this id; a nil id (an object of no project) is seen by every
// member.
func (a *API) sees(c *fiber.Ctx, m metadata.Membership, projectID *int64) (bool, error) {
	if projectID == nil {
		return true, nil
	}
	v, err := a.visibility(c, m)
	return v.Sees(*projectID), err
}

// orgProjectsAllowing loads the organization in the URL, checks scope and
// returns its projects, or those named by project=.
func (a *API) orgProjectsAllowing(c *fiber.Ctx, scope string) (metadata.Membership, []metadata.Project, error) {
	m, err := a.orgAllowing(c, scope)
	if err != nil {
		return m, nil, err
	}
	projects, err := a.orgProjects(c, m)
	return m, projects, err
}

// orgProjects is the organization's projects the caller sees, or those of
// them named by project= (Sentry's project ids; slugs are accepted too, as
// the dashboard knows those). Sentry's project=-1 names them all.
func (a *API) orgProjects(c *fiber.Ctx, m metadata.Membership) ([]metadata.Project, error) {
	all, err := a.visibleProjects(c, m)
	if err != nil {
		return nil, err
	}
	wanted := c.Context().QueryArgs().PeekMulti("project")
	if len(wanted) == 0 {
		return all, nil
	}
	var out []metadata.Project
	for _, w := range wanted {
		if string(w) == "-1" {
			return all, nil
		}
		id, _ := strconv.ParseInt(string(w), 10, 64) // 0, matching no id, for a slug
		for _, p := range all {
			if p.ID == id || p.Slug == string(w) {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		return nil, fiber.NewError(fiber.StatusNotFound, "project not found")
	}
	return out, nil
}

func projectIDsOf(ps []metadata.Project) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}
