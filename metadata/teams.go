package metadata

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Team is a group of an organization's members, with projects.
type Team struct {
	ID          int64
	Slug        string
	Name        string
	MemberCount int
	CreatedAt   time.Time
}

const teamColumns = `t.id, t.slug, t.name, (SELECT count(*) FROM team_members tm WHERE tm.team_id = t.id), t.created_at`

func collectTeams(rows pgx.Rows, err error) ([]Team, error) {
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Team, error) {
		var t Team
		err := r.Scan(&t.ID, &t.Slug, &t.Name, &t.MemberCount, &t.CreatedAt)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	return out, nil
}

// ListTeams returns an organization's teams.
func (db *DB) ListTeams(ctx context.Context, orgID int64) ([]Team, error) {
	return collectTeams(db.pool.Query(ctx, `SELECT `+teamColumns+` FROM teams t WHERE t.organization_id = $1 ORDER BY t.slug`, orgID))
}

// ProjectTeams returns the teams a project belongs to.
func (db *DB) ProjectTeams(ctx context.Context, projectID int64) ([]Team, error) {
	return collectTeams(db.pool.Query(ctx, `SELECT `+teamColumns+` FROM teams t JOIN project_teams pt ON pt.team_id = t.id
		WHERE pt.project_id = $1 ORDER BY t.slug`, projectID))
}

// TeamRef names a team a project belongs to.
type TeamRef struct {
	ID         int64
	Slug, Name string
}

// TeamsOfProjects returns the teams of each of the projects, by slug, in
// one query: what a project list shows beside each project.
func (db *DB) TeamsOfProjects(ctx context.Context, projectIDs []int64) (map[int64][]TeamRef, error) {
	rows, err := db.pool.Query(ctx, `SELECT pt.project_id, t.id, t.slug, t.name FROM project_teams pt
		JOIN teams t ON t.id = pt.team_id WHERE pt.project_id = ANY($1) ORDER BY pt.project_id, t.slug`, projectIDs)
	if err != nil {
		return nil, fmt.Errorf("teams of projects: %w", err)
	}
	out := map[int64][]TeamRef{}
	var project int64
	var t TeamRef
	_, err = pgx.ForEachRow(rows, []any{&project, &t.ID, &t.Slug, &t.Name}, func() error {
		out[project] = append(out[project], t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("teams of projects: %w", err)
	}
	return out, nil
}

// CreateTeam creates a team; its creator joins it.
func (db *DB) CreateTeam(ctx context.Context, orgID, creatorID int64, name, slug string) (Team, error) {
	t := Team{Name: strings.TrimSpace(name), Slug: slug}
	if t.Name == "" && t.Slug != "" {
		t.Name = t.Slug
	}
	if t.Name == "" {
		return t, invalid("a team needs a name")
	}
	if t.Slug == "" {
		t.Slug = Slugify(t.Name)
	}
	if err := validateSlug(t.Slug); err != nil {
		return t, invalid("%v", err)
	}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO teams (organization_id, slug, name) VALUES ($1, $2, $3) RETURNING id, created_at`,
			orgID, t.Slug, t.Name).Scan(&t.ID, &t.CreatedAt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, t.ID, creatorID)
		return err
	})
	if uniqueViolation(err) {
		return t, taken("the slug %q is taken in this organization", t.Slug)
	}
	if err != nil {
		return t, fmt.Errorf("create team: %w", err)
	}
	t.MemberCount = 1
	return t, nil
}

// TeamBySlug finds one of an organization's teams.
func (db *DB) TeamBySlug(ctx context.Context, orgID int64, slug string) (Team, error) {
	teams, err := collectTeams(db.pool.Query(ctx, `SELECT `+teamColumns+` FROM teams t WHERE t.organization_id = $1 AND t.slug = $2`,
		orgID, strings.TrimPrefix(slug, "#")))
	if err != nil {
		return Team{}, err
	}
	if len(teams) == 0 {
		return Team{}, fmt.Errorf("team %s: %w", slug, ErrNotFound)
	}
	return teams[0], nil
}

// DeleteTeam removes a team (its projects stay).
func (db *DB) DeleteTeam(ctx context.Context, teamID int64) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM teams WHERE id = $1`, teamID); err != nil {
		return fmt.Errorf("delete team: %w", err)
	}
	return nil
}

// TeamsOfUser returns the ids of the teams of an organization the user is
// a member of.
func (db *DB) TeamsOfUser(ctx context.Context, orgID, userID int64) (map[int64]bool, error) {
	rows, err := db.pool.Query(ctx, `SELECT tm.team_id FROM team_members tm JOIN teams t ON t.id = tm.team_id
		WHERE t.organization_id = $1 AND tm.user_id = $2`, orgID, userID)
	if err != nil {
		return nil, fmt.Errorf("teams of user: %w", err)
	}
	out := map[int64]bool{}
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { out[id] = true; return nil }); err != nil {
		return nil, fmt.Errorf("teams of user: %w", err)
	}
	return out, nil
}

// SetTeamMember adds (or with in false, removes) a member of the team's
// organization to the team.
func (db *DB) SetTeamMember(ctx context.Context, orgID, teamID, userID int64, in bool) error {
	if _, err := db.MemberRole(ctx, orgID, userID); err != nil {
		return err
	}
	q := `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	if !in {
		q = `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`
	}
	if _, err := db.pool.Exec(ctx, q, teamID, userID); err != nil {
		return fmt.Errorf("team membership: %w", err)
	}
	return nil
}

// SetProjectTeam gives (or with in false, takes away) a team a project.
func (db *DB) SetProjectTeam(ctx context.Context, projectID, teamID int64, in bool) error {
	q := `INSERT INTO project_teams (project_id, team_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	if !in {
		q = `DELETE FROM project_teams WHERE project_id = $1 AND team_id = $2`
	}
	if _, err := db.pool.Exec(ctx, q, projectID, teamID); err != nil {
		return fmt.Errorf("project team: %w", err)
	}
	return nil
}
