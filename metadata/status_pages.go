package metadata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// StatusPage shows chosen monitors of an organization at a public URL.
type StatusPage struct {
	ID         int64
	OrgID      int64
	Slug       string
	Name       string
	Public     bool
	MonitorIDs []int64
	CreatedAt  time.Time
}

const statusPageColumns = `id, organization_id, slug, name, is_public, monitor_ids, created_at`

func scanStatusPage(r pgx.Row) (StatusPage, error) {
	var p StatusPage
	err := r.Scan(&p.ID, &p.OrgID, &p.Slug, &p.Name, &p.Public, &p.MonitorIDs, &p.CreatedAt)
	return p, err
}

// SaveStatusPage creates a status page, or with an ID updates it; monitor
// ids of other organizations are dropped.
func (db *DB) SaveStatusPage(ctx context.Context, p StatusPage) (StatusPage, error) {
	if err := validateSlug(p.Slug); err != nil {
		return p, invalid("%v", err)
	}
	if p.Name == "" || len(p.Name) > 200 {
		return p, invalid("a status page needs a name of at most 200 characters")
	}
	if p.MonitorIDs == nil {
		p.MonitorIDs = []int64{}
	}
	const mine = `ARRAY(SELECT id FROM monitors WHERE organization_id = $1 AND id = ANY($5) ORDER BY array_position($5, id))`
	var row pgx.Row
	if p.ID == 0 {
		row = db.pool.QueryRow(ctx, `INSERT INTO status_pages (organization_id, slug, name, is_public, monitor_ids)
			VALUES ($1, $2, $3, $4, `+mine+`) RETURNING `+statusPageColumns, p.OrgID, p.Slug, p.Name, p.Public, p.MonitorIDs)
	} else {
		row = db.pool.QueryRow(ctx, `UPDATE status_pages SET slug = $2, name = $3, is_public = $4, monitor_ids = `+mine+`
			WHERE organization_id = $1 AND id = $6 RETURNING `+statusPageColumns, p.OrgID, p.Slug, p.Name, p.Public, p.MonitorIDs, p.ID)
	}
	out, err := scanStatusPage(row)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return out, ErrNotFound
	case uniqueViolation(err):
		return out, invalid("the status page slug %q is taken in this organization", p.Slug)
	case err != nil:
		return out, fmt.Errorf("save status page: %w", err)
	}
	return out, nil
}

// StatusPages lists an organization's status pages.
func (db *DB) StatusPages(ctx context.Context, orgID int64) ([]StatusPage, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+statusPageColumns+` FROM status_pages WHERE organization_id = $1 ORDER BY name, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list status pages: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatusPage, error) { return scanStatusPage(r) })
	if err != nil {
		return nil, fmt.Errorf("list status pages: %w", err)
	}
	return out, nil
}

// StatusPageBySlug finds a status page by its organization's slug and its
// own.
func (db *DB) StatusPageBySlug(ctx context.Context, orgSlug, slug string) (StatusPage, error) {
	p, err := scanStatusPage(db.pool.QueryRow(ctx, `SELECT s.id, s.organization_id, s.slug, s.name, s.is_public, s.monitor_ids, s.created_at
		FROM status_pages s JOIN organizations o ON o.id = s.organization_id WHERE o.slug = $1 AND s.slug = $2`, orgSlug, slug))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("get status page: %w", err)
	}
	return p, nil
}

// DeleteStatusPage deletes an organization's status page.
func (db *DB) DeleteStatusPage(ctx context.Context, orgID int64, slug string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM status_pages WHERE organization_id = $1 AND slug = $2`, orgID, slug)
	if err != nil {
		return fmt.Errorf("delete status page: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// MonitorsByID returns an organization's monitors among ids, in ids' order.
func (db *DB) MonitorsByID(ctx context.Context, orgID int64, ids []int64) ([]Monitor, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+monitorColumns+` FROM monitors WHERE organization_id = $1 AND id = ANY($2)
		ORDER BY array_position($2, id)`, orgID, ids)
	return collectMonitors(rows, err)
}
