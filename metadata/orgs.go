package metadata

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Organization is an organization as its members see it.
type Organization struct {
	ID        int64
	Slug      string
	Name      string
	Role      string // the viewer's role
	CreatedAt time.Time
}

// ListOrganizations returns the organizations the user belongs to.
func (db *DB) ListOrganizations(ctx context.Context, userID int64) ([]Organization, error) {
	rows, err := db.pool.Query(ctx, `SELECT o.id, o.slug, o.name, m.role, o.created_at FROM organizations o
		JOIN organization_members m ON m.organization_id = o.id AND m.user_id = $1 ORDER BY o.slug`, userID)
	if err != nil {
		return nil, fmt.Errorf("list organizations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Organization, error) {
		var o Organization
		err := r.Scan(&o.ID, &o.Slug, &o.Name, &o.Role, &o.CreatedAt)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("list organizations: %w", err)
	}
	return out, nil
}

var nonSlug = regexp.MustCompile(`[^a-z0-9_-]+`)

// Slugify makes a slug from a name: lowercase, dashes for the rest.
func Slugify(name string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-_")
	if len(s) > 50 {
		s = strings.Trim(s[:50], "-_")
	}
	return s
}

func uniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// ListProjects returns an organization's projects.
func (db *DB) ListProjects(ctx context.Context, orgID int64) ([]Project, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+projectColumns+` FROM projects p JOIN organizations o ON o.id = p.organization_id
		WHERE p.organization_id = $1 ORDER BY p.slug`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Project, error) { return scanProject(r) })
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return out, nil
}

// ProjectUpdate holds the project settings to change; nil fields stay.
type ProjectUpdate struct {
	Name            *string
	Slug            *string
	Platform        *string
	AllowedOrigins  *[]string
	ScrubData       *bool
	ApdexMillis     *int
	ResolveAgeHours *int
	SubjectPrefix   *string
}

// MaxResolveAgeHours bounds a project's auto-resolve age: a year.
const MaxResolveAgeHours = 365 * 24

// UpdateProject changes a project's settings; a slug another project of
// the organization holds is refused as a conflict.
func (db *DB) UpdateProject(ctx context.Context, projectID int64, u ProjectUpdate) (Project, error) {
	if u.Name != nil && strings.TrimSpace(*u.Name) == "" {
		return Project{}, invalid("name: a project needs a name")
	}
	if u.Slug != nil {
		if err := validateSlug(*u.Slug); err != nil {
			return Project{}, invalid("slug: %v", err)
		}
	}
	if u.ApdexMillis != nil && (*u.ApdexMillis <= 0 || *u.ApdexMillis > 600000) {
		return Project{}, invalid("apdexThreshold must be between 1 and 600000 milliseconds")
	}
	if u.ResolveAgeHours != nil && (*u.ResolveAgeHours < 0 || *u.ResolveAgeHours > MaxResolveAgeHours) {
		return Project{}, invalid("resolveAge: hours from 0 (never) to %d", MaxResolveAgeHours)
	}
	if u.SubjectPrefix != nil && len(*u.SubjectPrefix) > 200 {
		return Project{}, invalid("subjectPrefix: at most 200 bytes")
	}
	_, err := db.pool.Exec(ctx, `UPDATE projects SET name = COALESCE($2, name), platform = COALESCE($3, platform),
		allowed_origins = COALESCE($4, allowed_origins), scrub_data = COALESCE($5, scrub_data),
		apdex_threshold_ms = COALESCE($6, apdex_threshold_ms), slug = COALESCE($7, slug),
		resolve_age_hours = COALESCE($8, resolve_age_hours), subject_prefix = COALESCE($9, subject_prefix) WHERE id = $1`,
		projectID, u.Name, u.Platform, u.AllowedOrigins, u.ScrubData, u.ApdexMillis, u.Slug, u.ResolveAgeHours, u.SubjectPrefix)
	if uniqueViolation(err) {
		return Project{}, taken("slug: the slug %q is taken in this organization", *u.Slug)
	}
	if err != nil {
		return Project{}, fmt.Errorf("update project: %w", err)
	}
	return db.projectByID(ctx, projectID)
}

// DeleteProject removes a project and, by cascade, its issues, keys,
// feedback and attachment index, and queues its ClickHouse rows for the
// purge job (PendingPurges).
func (db *DB) DeleteProject(ctx context.Context, projectID int64) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM replay_marks WHERE project_id = $1`, projectID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO project_purges (project_id) VALUES ($1) ON CONFLICT DO NOTHING`, projectID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM projects WHERE id = $1`, projectID)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete project: %w", err)
	}
	return nil
}

// PendingPurges lists deleted projects whose ClickHouse rows are not purged.
func (db *DB) PendingPurges(ctx context.Context) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT project_id FROM project_purges WHERE purged_at IS NULL ORDER BY deleted_at LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("pending purges: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("pending purges: %w", err)
	}
	return ids, nil
}

// PurgeDone records that a deleted project's ClickHouse rows are gone.
func (db *DB) PurgeDone(ctx context.Context, projectID int64) error {
	if _, err := db.pool.Exec(ctx, `UPDATE project_purges SET purged_at = now() WHERE project_id = $1`, projectID); err != nil {
		return fmt.Errorf("purge done: %w", err)
	}
	return nil
}
