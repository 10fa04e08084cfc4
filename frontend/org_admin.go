package frontend

import (
	"github.com/gofiber/fiber/v2"
)

// updateOrganization renames an organization or changes its slug (the
// old slug answers 404 from then on), which owners and managers may
// (org:write), turns openMembership on or off (org:write: off, members
// and admins see only their teams' projects), and turns requireSso on or
// off, which only owners may (org:admin). Every field is checked before
// anything is written.
func (a *API) updateOrganization(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "org:write")
	if err != nil {
		return err
	}
	f, err := readBodyFields(c)
	if err != nil {
		return err
	}
	name, slug, err := nameAndSlug(f)
	if err != nil {
		return err
	}
	requireSSO, err := optional[bool](f, "requireSso", "true or false")
	if err != nil {
		return err
	}
	openMembership, err := optional[bool](f, "openMembership", "true or false")
	if err != nil {
		return err
	}
	if name == nil && slug == nil && requireSSO == nil && openMembership == nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with name, slug, requireSso or openMembership")
	}
	if requireSSO != nil {
		if _, err := a.orgAllowing(c, "org:admin"); err != nil {
			return err
		}
		if *requireSSO && len(a.sso) == 0 {
			return fiber.NewError(fiber.StatusBadRequest, "requireSso: this server has no single sign-on provider (FAULTLINE_OIDC_PROVIDERS), so no member could log in")
		}
	}
	if slug != nil && *slug == m.OrgSlug {
		slug = nil
	}
	changed := m
	if name != nil || slug != nil {
		o, err := a.db.UpdateOrganization(c.Context(), m.OrgID, name, slug)
		if err != nil {
			return err
		}
		changed.OrgName, changed.OrgSlug = o.Name, o.Slug
		a.audit(c, m.OrgID, "org.edit", m.OrgID, map[string]any{"name": beforeAfter(m.OrgName, o.Name), "slug": beforeAfter(m.OrgSlug, o.Slug)})
	}
	if requireSSO != nil {
		ended, err := a.db.SetOrgRequiresSSO(c.Context(), m.OrgID, *requireSSO)
		if err != nil {
			return err
		}
		changed.RequireSSO = *requireSSO
		a.audit(c, m.OrgID, "sso.edit", m.OrgID, map[string]any{"requireSso": *requireSSO, "sessionsEnded": ended})
	}
	if openMembership != nil {
		if err := a.db.SetOrgOpenMembership(c.Context(), m.OrgID, *openMembership); err != nil {
			return err
		}
		changed.OpenMembership = *openMembership
		a.audit(c, m.OrgID, "org.edit", m.OrgID, map[string]any{"openMembership": *openMembership})
	}
	return c.JSON(a.organizationAnswer(changed))
}

// deleteOrganization removes an organization at once, for its owners only
// (org:admin): it answers 404 from then on, and the purge job removes its
// projects' events from ClickHouse as it does for a deleted project.
// Sentry answers 202, the deletion going on in the background.
func (a *API) deleteOrganization(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "org:admin")
	if err != nil {
		return err
	}
	if err := a.db.DeleteOrganization(c.Context(), m.OrgID); err != nil {
		return err
	}
	a.log.Info("organization deleted", "org", m.OrgSlug, "by", principal(c).UserID)
	a.audit(c, m.OrgID, "org.remove", m.OrgID, map[string]any{"slug": m.OrgSlug, "name": m.OrgName})
	return c.Status(fiber.StatusAccepted).JSON(orgJSON{ID: itoa(m.OrgID), Slug: m.OrgSlug, Name: m.OrgName, Role: m.Role})
}

// orgUserJSON is a member as Sentry's organization users list has it:
// the member, and the projects it sees.
type orgUserJSON struct {
	memberJSON
	Projects []string `json:"projects"`
}

// orgUsers lists an organization's members (invitations left out) with
// their user objects, as Sentry's GET /organizations/{org}/users/ does.
// Each member's projects are those it sees (all of them while membership
// is open) among those the caller sees.
func (a *API) orgUsers(c *fiber.Ctx) error {
	scope := "member:read"
	if !principal(c).HasScope(scope) {
		scope = "org:read" // Sentry takes either
	}
	m, err := a.orgAllowing(c, scope)
	if err != nil {
		return err
	}
	members, err := a.db.ListMembers(c.Context(), m.OrgID)
	if err != nil {
		return err
	}
	projects, err := a.visibleProjects(c, m)
	if err != nil {
		return err
	}
	theirs, err := a.db.MembersVisibility(c.Context(), m.OrgID)
	if err != nil {
		return err
	}
	out := make([]orgUserJSON, 0, len(members))
	for _, mb := range members {
		if mb.Pending {
			continue
		}
		v, restricted := theirs[mb.UserID]
		slugs := []string{}
		for _, p := range projects {
			if !restricted || v.Sees(p.ID) {
				slugs = append(slugs, p.Slug)
			}
		}
		out = append(out, orgUserJSON{newMemberJSON(mb), slugs})
	}
	return c.JSON(out)
}

// listUserProjects lists the projects of every organization the caller
// belongs to, each with its organization, as Sentry's GET /projects/ does.
func (a *API) listUserProjects(c *fiber.Ctx) error {
	if err := requireScope(c, "project:read"); err != nil {
		return err
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	projects, err := a.db.ListUserProjects(c.Context(), principal(c).UserID, pg.limit+1, pg.offset)
	if err != nil {
		return err
	}
	projects = trimPage(c, pg, projects)
	out, err := a.projectsJSON(c, projects)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
