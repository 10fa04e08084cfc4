package frontend

import (
	"context"
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

// orgProjects is the organization's projects, or those named by project=
// (Sentry's project ids; slugs are accepted too, as the dashboard knows
// those). Sentry's project=-1 names them all.
func (a *API) orgProjects(c *fiber.Ctx, m metadata.Membership) ([]metadata.Project, error) {
	all, err := a.access.ListProjects(c.Context(), m.OrgID)
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
