package metadata

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Quotas are an organization's monthly limits per category and whether
// spike protection is on.
type Quotas struct {
	Monthly         map[string]int64
	SpikeProtection bool
	ProjectIDs      []int64 // the organization's projects, whose outcomes count
}

// OrgQuotas returns an organization's quotas.
func (db *DB) OrgQuotas(ctx context.Context, orgID int64) (Quotas, error) {
	q := Quotas{Monthly: map[string]int64{}}
	err := db.pool.QueryRow(ctx, `SELECT o.spike_protection, coalesce(array_agg(p.id) FILTER (WHERE p.id IS NOT NULL), '{}')
		FROM organizations o LEFT JOIN projects p ON p.organization_id = o.id WHERE o.id = $1 GROUP BY o.id`, orgID).
		Scan(&q.SpikeProtection, &q.ProjectIDs)
	if err != nil {
		return q, fmt.Errorf("read quotas: %w", notFound(err))
	}
	rows, err := db.pool.Query(ctx, `SELECT category, monthly_limit FROM org_quotas WHERE organization_id = $1`, orgID)
	if err != nil {
		return q, fmt.Errorf("read quotas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			return q, fmt.Errorf("read quotas: %w", err)
		}
		q.Monthly[c] = n
	}
	return q, rows.Err()
}

// SetOrgQuotas replaces an organization's monthly limits (a category left
// out has none) and spike protection.
func (db *DB) SetOrgQuotas(ctx context.Context, orgID int64, monthly map[string]int64, spike bool) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		// One change at a time per organization: two at once would both
		// delete, then collide inserting the same categories.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE`, orgID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM org_quotas WHERE organization_id = $1`, orgID); err != nil {
			return err
		}
		for c, n := range monthly {
			if n < 0 {
				return invalid("quota of %s: a number of items, 0 or more", c)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO org_quotas (organization_id, category, monthly_limit) VALUES ($1, $2, $3)`, orgID, c, n); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE organizations SET spike_protection = $2 WHERE id = $1`, orgID, spike)
		return err
	})
}
