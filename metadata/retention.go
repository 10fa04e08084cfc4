package metadata

import (
	"context"
	"fmt"
	"time"
)

// OrgRetention is an organization that keeps its events for fewer days
// than the server's maximum.
type OrgRetention struct {
	OrgID      int64
	Days       int
	ProjectIDs []int64
}

// ShorterRetention lists the organizations whose retention is shorter than
// maxDays, with their projects.
func (db *DB) ShorterRetention(ctx context.Context, maxDays int) ([]OrgRetention, error) {
	rows, err := db.pool.Query(ctx, `SELECT o.id, o.event_retention_days, coalesce(array_agg(p.id) FILTER (WHERE p.id IS NOT NULL), '{}')
		FROM organizations o LEFT JOIN projects p ON p.organization_id = o.id
		WHERE o.event_retention_days < $1 GROUP BY o.id`, maxDays)
	if err != nil {
		return nil, fmt.Errorf("list retention: %w", err)
	}
	defer rows.Close()
	var out []OrgRetention
	for rows.Next() {
		var r OrgRetention
		if err := rows.Scan(&r.OrgID, &r.Days, &r.ProjectIDs); err != nil {
			return nil, fmt.Errorf("list retention: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetRetention sets an organization's retention in days (0: the server's).
func (db *DB) SetRetention(ctx context.Context, orgID int64, days int) error {
	var v *int
	if days > 0 {
		v = &days
	}
	if _, err := db.pool.Exec(ctx, `UPDATE organizations SET event_retention_days = $2 WHERE id = $1`, orgID, v); err != nil {
		return fmt.Errorf("set retention: %w", err)
	}
	return nil
}

// Expired is what one retention pass removed from PostgreSQL.
type Expired struct {
	Issues, CheckIns, StateChanges, Alerts int64
}

// ExpireBefore deletes, for the given projects (all when nil), what is
// older than cutoff: issues last seen before it (their events are gone from
// ClickHouse), cron runs, monitor state
// changes and fired alerts. Deletes run in slices so no transaction grows
// large; running it twice deletes nothing more.
func (db *DB) ExpireBefore(ctx context.Context, projectIDs []int64, cutoff time.Time) (Expired, error) {
	var out Expired
	scope := "TRUE"
	args := []any{cutoff}
	if projectIDs != nil {
		scope = "project_id = ANY($2)"
		args = append(args, projectIDs)
	}
	steps := []struct {
		n   *int64
		sql string
	}{
		{&out.Issues, `DELETE FROM issues WHERE id IN (SELECT id FROM issues WHERE last_seen < $1 AND ` + scope + ` LIMIT 5000)`},
		{&out.CheckIns, `DELETE FROM cron_checkins WHERE id IN (SELECT c.id FROM cron_checkins c JOIN monitors m ON m.id = c.monitor_id
			WHERE c.started_at < $1 AND ` + prefixed(scope, "m.") + ` LIMIT 50000)`},
		{&out.StateChanges, `DELETE FROM monitor_state_changes WHERE id IN (SELECT s.id FROM monitor_state_changes s JOIN monitors m ON m.id = s.monitor_id
			WHERE s.at < $1 AND ` + prefixed(scope, "m.") + ` LIMIT 50000)`},
		{&out.Alerts, `DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE fired_at < $1 AND ` + scope + ` LIMIT 50000)`},
	}
	for _, st := range steps {
		for {
			tag, err := db.pool.Exec(ctx, st.sql, args...)
			if err != nil {
				return out, fmt.Errorf("expire old data: %w", err)
			}
			*st.n += tag.RowsAffected()
			if tag.RowsAffected() == 0 {
				break
			}
		}
	}
	return out, nil
}

func prefixed(scope, prefix string) string {
	if scope == "TRUE" {
		return scope
	}
	return prefix + scope
}
