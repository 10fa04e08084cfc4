package metadata

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Project is a project with the slugs that name it and its settings.
type Project struct {
	ID             int64
	OrgID          int64
	OrgSlug        string
	Slug           string
	Name           string
	Platform       string
	AllowedOrigins []string
	ScrubData      bool
	ApdexMillis    int
	// ResolveAgeHours resolves issues not seen for that many hours; 0 never.
	ResolveAgeHours int
	// SubjectPrefix starts the subject of the project's emails.
	SubjectPrefix string
	OrgName       string
	CreatedAt     time.Time
	// OrgOpenMembership is the organization's setting: whether every
	// member sees the project (see Membership.SeesEveryProject).
	OrgOpenMembership bool
}

const projectColumns = `p.id, o.id, o.slug, p.slug, p.name, p.platform, p.allowed_origins, p.scrub_data, p.apdex_threshold_ms,
	p.resolve_age_hours, p.subject_prefix, o.name, p.created_at, o.open_membership`

func scanProject(r pgx.Row) (Project, error) {
	var p Project
	err := r.Scan(&p.ID, &p.OrgID, &p.OrgSlug, &p.Slug, &p.Name, &p.Platform, &p.AllowedOrigins, &p.ScrubData, &p.ApdexMillis,
		&p.ResolveAgeHours, &p.SubjectPrefix, &p.OrgName, &p.CreatedAt, &p.OrgOpenMembership)
	return p, err
}

func (db *DB) projectByID(ctx context.Context, id int64) (Project, error) {
	p, err := scanProject(db.pool.QueryRow(ctx, `SELECT `+projectColumns+`
		FROM projects p JOIN organizations o ON o.id = p.organization_id WHERE p.id = $1`, id))
	if err != nil {
		return p, fmt.Errorf("get project %d: %w", id, notFound(err))
	}
	return p, nil
}

// ProjectForUser finds a project by its organization's slug and its own,
// provided the user is a member of the organization who sees the project;
// otherwise ErrNotFound.
func (db *DB) ProjectForUser(ctx context.Context, userID int64, orgSlug, projectSlug string) (Project, error) {
	p, err := scanProject(db.pool.QueryRow(ctx, `
		SELECT `+projectColumns+`
		FROM projects p JOIN organizations o ON o.id = p.organization_id
		JOIN organization_members m ON m.organization_id = o.id AND m.user_id = $1
		WHERE o.slug = $2 AND p.slug = $3 AND `+projectVisibleSQL, userID, orgSlug, projectSlug))
	if err != nil {
		return p, fmt.Errorf("get project %s/%s: %w", orgSlug, projectSlug, notFound(err))
	}
	return p, nil
}

// SetAllowedOrigins sets the browser origins a project accepts events from;
// an empty list allows every origin.
func (db *DB) SetAllowedOrigins(ctx context.Context, projectID int64, origins []string) error {
	if origins == nil {
		origins = []string{}
	}
	tag, err := db.pool.Exec(ctx, `UPDATE projects SET allowed_origins = $2 WHERE id = $1`, projectID, origins)
	if err != nil {
		return fmt.Errorf("set allowed origins: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set allowed origins: %w", ErrNotFound)
	}
	return nil
}

// SetScrubData turns a project's data scrubbing on or off.
func (db *DB) SetScrubData(ctx context.Context, projectID int64, on bool) error {
	tag, err := db.pool.Exec(ctx, `UPDATE projects SET scrub_data = $2 WHERE id = $1`, projectID, on)
	if err != nil {
		return fmt.Errorf("set data scrubbing: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set data scrubbing: %w", ErrNotFound)
	}
	return nil
}

// ProjectInOrg finds a project by slug within an organization.
func (db *DB) ProjectInOrg(ctx context.Context, orgID int64, slug string) (Project, error) {
	p, err := scanProject(db.pool.QueryRow(ctx, `SELECT `+projectColumns+`
		FROM projects p JOIN organizations o ON o.id = p.organization_id WHERE o.id = $1 AND p.slug = $2`, orgID, slug))
	if err != nil {
		return p, fmt.Errorf("get project %s: %w", slug, notFound(err))
	}
	return p, nil
}
