package frontend

import (
	"errors"
	"strconv"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

type teamJSON struct {
	ID          string `json:"id"`
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	MemberCount int    `json:"memberCount"`
	DateCreated string `json:"dateCreated"`
	// IsMember says whether the caller is in the team; HasAccess whether
	// the caller sees the team's projects: as a member of it, or because
	// the organization's membership is open or the caller's role sees
	// every project.
	IsMember  bool       `json:"isMember"`
	HasAccess bool       `json:"hasAccess"`
	Avatar    avatarJSON `json:"avatar"`
}

func newTeamJSON(t metadata.Team, isMember, hasAccess bool) teamJSON {
	return teamJSON{ID: itoa(t.ID), Slug: t.Slug, Name: t.Name, MemberCount: t.MemberCount, DateCreated: isoTime(t.CreatedAt),
		IsMember: isMember, HasAccess: hasAccess, Avatar: avatarJSON{AvatarType: "letter_avatar"}}
}

// teamsJSON renders teams of the organization orgID, each saying whether
// the caller is a member.
func (a *API) teamsJSON(c *fiber.Ctx, orgID int64, teams []metadata.Team) ([]teamJSON, error) {
	mine, err := a.db.TeamsOfUser(c.Context(), orgID, principal(c).UserID)
	if err != nil {
		return nil, err
	}
	// Every route answering teams loaded the caller's membership first.
	m, _ := c.Locals(membershipKey).(metadata.Membership)
	out := make([]teamJSON, len(teams))
	for i, t := range teams {
		out[i] = newTeamJSON(t, mine[t.ID], mine[t.ID] || m.SeesEveryProject())
	}
	return out, nil
}

// teamAnswer is one team of the organization orgID, as teamsJSON has it.
func (a *API) teamAnswer(c *fiber.Ctx, status int, orgID int64, t metadata.Team) error {
	out, err := a.teamsJSON(c, orgID, []metadata.Team{t})
	if err != nil {
		return err
	}
	return c.Status(status).JSON(out[0])
}

// team loads the team in the URL within an organization the caller belongs to.
func (a *API) team(c *fiber.Ctx, scope string) (metadata.Membership, metadata.Team, error) {
	m, err := a.orgAllowing(c, scope)
	if err != nil {
		return m, metadata.Team{}, err
	}
	t, err := a.db.TeamBySlug(c.Context(), m.OrgID, c.Params("team"))
	if errors.Is(err, metadata.ErrNotFound) {
		return m, t, fiber.NewError(fiber.StatusNotFound, "team not found")
	}
	return m, t, err
}

func (a *API) listTeams(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "org:read")
	if err != nil {
		return err
	}
	teams, err := a.db.ListTeams(c.Context(), m.OrgID)
	if err != nil {
		return err
	}
	out, err := a.teamsJSON(c, m.OrgID, teams)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (a *API) createTeam(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "project:write")
	if err != nil {
		return err
	}
	var body struct {
		Name string `json:"name"`
		Slug string `json:"slug"`
	}
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with name (or slug)")
	}
	t, err := a.db.CreateTeam(c.Context(), m.OrgID, principal(c).UserID, body.Name, body.Slug)
	if err != nil {
		return err
	}
	a.audit(c, m.OrgID, "team.create", t.ID, map[string]any{"slug": t.Slug, "name": t.Name})
	return a.teamAnswer(c, fiber.StatusCreated, m.OrgID, t)
}

func (a *API) getTeam(c *fiber.Ctx) error {
	m, t, err := a.team(c, "org:read")
	if err != nil {
		return err
	}
	return a.teamAnswer(c, fiber.StatusOK, m.OrgID, t)
}

// createTeamProject creates a project the team in the URL owns, as
// Sentry's POST /teams/{org}/{team}/projects/ does.
func (a *API) createTeamProject(c *fiber.Ctx) error {
	m, t, err := a.team(c, "project:write")
	if err != nil {
		return err
	}
	return a.addProject(c, m, t.ID)
}

// updateTeam renames a team or changes its slug.
func (a *API) updateTeam(c *fiber.Ctx) error {
	m, t, err := a.team(c, "team:write")
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
	before := t
	t, err = a.db.UpdateTeam(c.Context(), m.OrgID, t.ID, name, slug)
	if err != nil {
		return err
	}
	a.audit(c, m.OrgID, "team.edit", t.ID, map[string]any{"slug": beforeAfter(before.Slug, t.Slug), "name": beforeAfter(before.Name, t.Name)})
	return a.teamAnswer(c, fiber.StatusOK, m.OrgID, t)
}

func (a *API) deleteTeam(c *fiber.Ctx) error {
	m, t, err := a.team(c, "project:admin")
	if err != nil {
		return err
	}
	if err := a.db.DeleteTeam(c.Context(), t.ID); err != nil {
		return err
	}
	a.audit(c, m.OrgID, "team.remove", t.ID, map[string]any{"slug": t.Slug, "name": t.Name})
	return c.SendStatus(fiber.StatusNoContent)
}

// teamMember adds or removes an organization member to a team. Any member
// may leave a team, and join one while the organization's membership is
// open; otherwise (joining a closed organization's team, whose projects
// it would then see, or changing someone else) it takes a role with
// member:write. A token needs the member:write scope either way: it
// changes memberships.
func (a *API) teamMember(in bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, err := a.orgAllowing(c, "org:read")
		if err != nil {
			return err
		}
		if err := requireScope(c, "member:write"); err != nil {
			return err
		}
		userID, err := strconv.ParseInt(c.Params("member_id"), 10, 64)
		if err != nil {
			return fiber.NewError(fiber.StatusNotFound, "member not found")
		}
		if userID != principal(c).UserID || (in && !m.OpenMembership) {
			if err := allow(c, m, "member:write"); err != nil {
				return err
			}
		}
		t, err := a.db.TeamBySlug(c.Context(), m.OrgID, c.Params("team"))
		if errors.Is(err, metadata.ErrNotFound) {
			return fiber.NewError(fiber.StatusNotFound, "team not found")
		}
		if err != nil {
			return err
		}
		if err := a.db.SetTeamMember(c.Context(), m.OrgID, t.ID, userID, in); errors.Is(err, metadata.ErrNotFound) {
			return fiber.NewError(fiber.StatusNotFound, "member not found")
		} else if err != nil {
			return err
		}
		a.auditAbout(c, m.OrgID, "member.edit", userID, userID, map[string]any{"team": t.Slug, "joined": in})
		if in {
			return a.teamAnswer(c, fiber.StatusCreated, m.OrgID, t)
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

func (a *API) projectTeams(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:read")
	if err != nil {
		return err
	}
	teams, err := a.db.ProjectTeams(c.Context(), p.ID)
	if err != nil {
		return err
	}
	out, err := a.teamsJSON(c, p.OrgID, teams)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// projectTeam gives a team a project, or takes it away.
func (a *API) projectTeam(in bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := a.projectAllowing(c, "project:write")
		if err != nil {
			return err
		}
		t, err := a.db.TeamBySlug(c.Context(), p.OrgID, c.Params("team"))
		if errors.Is(err, metadata.ErrNotFound) {
			return fiber.NewError(fiber.StatusNotFound, "team not found")
		}
		if err != nil {
			return err
		}
		if err := a.db.SetProjectTeam(c.Context(), p.ID, t.ID, in); err != nil {
			return err
		}
		a.audit(c, p.OrgID, "project.edit", p.ID, map[string]any{"slug": p.Slug, "team": t.Slug, "teamAdded": in})
		if in {
			out, err := a.projectDetail(c, p)
			if err != nil {
				return err
			}
			return c.Status(fiber.StatusCreated).JSON(out)
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}
