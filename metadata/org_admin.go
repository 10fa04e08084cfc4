package metadata

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ListUserProjects returns the projects the user sees in every
// organization it belongs to, by organization slug then project slug, limit of them from
// offset on.
func (db *DB) ListUserProjects(ctx context.Context, userID int64, limit, offset int) ([]Project, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+projectColumns+` FROM projects p JOIN organizations o ON o.id = p.organization_id
		JOIN organization_members m ON m.organization_id = o.id AND m.user_id = $1
		WHERE `+projectVisibleSQL+` ORDER BY o.slug, p.slug LIMIT $2 OFFSET $3`, userID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list the user's projects: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Project, error) { return scanProject(r) })
	if err != nil {
		return nil, fmt.Errorf("list the user's projects: %w", err)
	}
	return out, nil
}

// renamed checks the new name and slug of a rename (nil for either that
// stays) and returns the name trimmed.
func renamed(what string, name, slug *string) (*string, error) {
	if name != nil {
		trimmed := strings.TrimSpace(*name)
		if trimmed == "" {
			return nil, invalid("name: %s needs a name", what)
		}
		if len(trimmed) > 200 {
			return nil, invalid("name: at most 200 bytes")
		}
		name = &trimmed
	}
	if slug != nil {
		if err := validateSlug(*slug); err != nil {
			return nil, invalid("slug: %v", err)
		}
	}
	return name, nil
}

// UpdateOrganization renames an organization or changes its slug (nil
// leaves either as it is); a slug another organization holds is refused as
// a conflict.
func (db *DB) UpdateOrganization(ctx context.Context, orgID int64, name, slug *string) (Organization, error) {
	name, err := renamed("an organization", name, slug)
	if err != nil {
		return Organization{}, err
	}
	var o Organization
	err = db.pool.QueryRow(ctx, `UPDATE organizations SET name = COALESCE($2, name), slug = COALESCE($3, slug)
		WHERE id = $1 RETURNING id, slug, name, created_at`, orgID, name, slug).Scan(&o.ID, &o.Slug, &o.Name, &o.CreatedAt)
	if uniqueViolation(err) {
		return o, taken("slug: the slug %q is taken", *slug)
	}
	if err != nil {
		return o, fmt.Errorf("update organization: %w", notFound(err))
	}
	return o, nil
}

// DeleteOrganization removes an organization and, by cascade, its
// projects, teams, members and everything they hold in PostgreSQL. Each
// project is queued for the purge job (PendingPurges), which removes its
// ClickHouse rows as it does for a deleted project.
func (db *DB) DeleteOrganization(ctx context.Context, orgID int64) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM replay_marks WHERE project_id IN
			(SELECT id FROM projects WHERE organization_id = $1)`, orgID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO project_purges (project_id)
			SELECT id FROM projects WHERE organization_id = $1 ON CONFLICT DO NOTHING`, orgID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM organizations WHERE id = $1`, orgID)
		if err == nil && tag.RowsAffected() == 0 {
			err = ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete organization %d: %w", orgID, err)
	}
	return nil
}

// UpdateTeam renames a team or changes its slug (nil leaves either as it
// is); a slug another team of the organization holds is a conflict.
func (db *DB) UpdateTeam(ctx context.Context, orgID, teamID int64, name, slug *string) (Team, error) {
	name, err := renamed("a team", name, slug)
	if err != nil {
		return Team{}, err
	}
	_, err = db.pool.Exec(ctx, `UPDATE teams SET name = COALESCE($3, name), slug = COALESCE($4, slug)
		WHERE organization_id = $1 AND id = $2`, orgID, teamID, name, slug)
	if uniqueViolation(err) {
		return Team{}, taken("slug: the slug %q is taken in this organization", *slug)
	}
	if err != nil {
		return Team{}, fmt.Errorf("update team: %w", err)
	}
	teams, err := collectTeams(db.pool.Query(ctx, `SELECT `+teamColumns+` FROM teams t WHERE t.organization_id = $1 AND t.id = $2`, orgID, teamID))
	if err != nil {
		return Team{}, err
	}
	if len(teams) == 0 {
		return Team{}, fmt.Errorf("team %d: %w", teamID, ErrNotFound)
	}
	return teams[0], nil
}

// AutoResolve resolves the unresolved issues of projects with a resolve
// age (resolve_age_hours) that have not been seen for that long, in slices
// so no statement grows large, and records the change in their activity.
// It returns how many it resolved; running it twice resolves nothing more.
func (db *DB) AutoResolve(ctx context.Context) (int64, error) {
	var total int64
	for {
		var ids []int64
		err := db.inTx(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `UPDATE issues SET status = 'resolved', resolved_at = now(),
				resolution_type = NULL, resolution_release = ''
				WHERE id IN (SELECT i.id FROM issues i JOIN projects p ON p.id = i.project_id
					WHERE p.resolve_age_hours > 0 AND i.status = 'unresolved'
					AND i.last_seen < now() - make_interval(hours => p.resolve_age_hours) LIMIT 1000)
				RETURNING id`)
			if err != nil {
				return err
			}
			if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil || len(ids) == 0 {
				return err
			}
			return addActivity(ctx, tx, ids, 0, "set_resolved_by_age", nil)
		})
		if err != nil {
			return total, fmt.Errorf("auto-resolve old issues: %w", err)
		}
		total += int64(len(ids))
		if len(ids) == 0 {
			return total, nil
		}
	}
}
