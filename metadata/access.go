package metadata

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Which projects a member of an organization sees. An organization with
// open membership (the default) shows every project to every member; with
// it off, members and admins see only the projects of the teams they
// belong to, while owners and managers still see them all. This file is
// the one place that rule is written: in Go for the API's checks, and as
// projectVisibleSQL for the queries that resolve objects by user.

// seeEveryProject are the roles that see every project of their
// organization whether or not its membership is open.
var seeEveryProject = []string{"owner", "manager"}

// projectVisibleSQL holds for a project p of organization o that the member
// m may see (the roles are seeEveryProject's).
const projectVisibleSQL = `(o.open_membership OR m.role IN ('owner', 'manager') OR EXISTS (
	SELECT 1 FROM project_teams vpt JOIN team_members vtm ON vtm.team_id = vpt.team_id
	WHERE vpt.project_id = p.id AND vtm.user_id = m.user_id))`

// SeesEveryProject reports whether the member sees every project of the
// organization without asking which teams it belongs to.
func (m Membership) SeesEveryProject() bool {
	return m.OpenMembership || slices.Contains(seeEveryProject, m.Role)
}

// Visibility is which of an organization's projects a member sees.
type Visibility struct {
	All      bool           // every project
	Projects map[int64]bool // otherwise these
}

// Sees reports whether the project is visible.
func (v Visibility) Sees(projectID int64) bool { return v.All || v.Projects[projectID] }

// ProjectVisibility returns the projects the member sees: all of them, or
// those of its teams.
func (db *DB) ProjectVisibility(ctx context.Context, m Membership) (Visibility, error) {
	if m.SeesEveryProject() {
		return Visibility{All: true}, nil
	}
	ids, err := db.teamProjectIDs(ctx, m.OrgID, m.UserID)
	if err != nil {
		return Visibility{}, err
	}
	v := Visibility{Projects: make(map[int64]bool, len(ids))}
	for _, id := range ids {
		v.Projects[id] = true
	}
	return v, nil
}

// teamProjectIDs are the ids of the organization's projects that belong to
// a team the user is a member of.
func (db *DB) teamProjectIDs(ctx context.Context, orgID, userID int64) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT pt.project_id FROM project_teams pt
		JOIN team_members tm ON tm.team_id = pt.team_id JOIN teams t ON t.id = pt.team_id
		WHERE t.organization_id = $1 AND tm.user_id = $2`, orgID, userID)
	if err != nil {
		return nil, fmt.Errorf("projects of the user's teams: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("projects of the user's teams: %w", err)
	}
	return ids, nil
}

// ProjectsOfUserTeams returns which of the projects belong to a team the
// user is a member of: a project answer's isMember.
func (db *DB) ProjectsOfUserTeams(ctx context.Context, userID int64, projectIDs []int64) (map[int64]bool, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT pt.project_id FROM project_teams pt
		JOIN team_members tm ON tm.team_id = pt.team_id WHERE tm.user_id = $1 AND pt.project_id = ANY($2)`, userID, projectIDs)
	if err != nil {
		return nil, fmt.Errorf("projects of the user's teams: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("projects of the user's teams: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// MembersVisibility returns, for each member of the organization that
// does not see every project, the projects it sees (those of its teams);
// members absent from the map see every project.
func (db *DB) MembersVisibility(ctx context.Context, orgID int64) (map[int64]Visibility, error) {
	rows, err := db.pool.Query(ctx, `SELECT m.user_id, pt.project_id FROM organization_members m
		JOIN organizations o ON o.id = m.organization_id
		LEFT JOIN team_members tm ON tm.user_id = m.user_id
			AND tm.team_id IN (SELECT id FROM teams WHERE organization_id = o.id)
		LEFT JOIN project_teams pt ON pt.team_id = tm.team_id
		WHERE o.id = $1 AND NOT o.open_membership AND m.role <> ALL($2)`, orgID, seeEveryProject)
	if err != nil {
		return nil, fmt.Errorf("members' projects: %w", err)
	}
	out := map[int64]Visibility{}
	var user int64
	var project *int64
	_, err = pgx.ForEachRow(rows, []any{&user, &project}, func() error {
		v, ok := out[user]
		if !ok {
			v = Visibility{Projects: map[int64]bool{}}
			out[user] = v
		}
		if project != nil {
			v.Projects[*project] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("members' projects: %w", err)
	}
	return out, nil
}

// OrgOpenMembership reports whether every member of the organization sees
// every project.
func (db *DB) OrgOpenMembership(ctx context.Context, orgID int64) (bool, error) {
	var on bool
	if err := db.pool.QueryRow(ctx, `SELECT open_membership FROM organizations WHERE id = $1`, orgID).Scan(&on); err != nil {
		return false, fmt.Errorf("organization settings: %w", notFound(err))
	}
	return on, nil
}

// SetOrgOpenMembership turns open membership on or off.
func (db *DB) SetOrgOpenMembership(ctx context.Context, orgID int64, on bool) error {
	if _, err := db.pool.Exec(ctx, `UPDATE organizations SET open_membership = $2 WHERE id = $1`, orgID, on); err != nil {
		return fmt.Errorf("organization settings: %w", err)
	}
	return nil
}
