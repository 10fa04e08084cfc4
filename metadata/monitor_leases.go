package metadata

import (
	"context"
	"fmt"
	"time"
)

// ClaimMonitors keeps a runner's share of the monitors to check: it marks
// the runner alive, renews the leases it holds, and takes unleased (or
// expired) monitors until it holds its fair share — all active monitors
// divided by the live runners, rounded up — giving back any beyond that
// share. It returns the monitors the runner holds. Leases last ttl, so a
// runner that dies leaves its monitors to the others within ttl.
func (db *DB) ClaimMonitors(ctx context.Context, runner string, ttl time.Duration) ([]Monitor, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim monitors: %w", err)
	}
	defer tx.Rollback(ctx)
	secs := ttl.Seconds()
	if _, err := tx.Exec(ctx, `INSERT INTO monitor_runners (id, seen_at) VALUES ($1, now())
		ON CONFLICT (id) DO UPDATE SET seen_at = now()`, runner); err != nil {
		return nil, fmt.Errorf("claim monitors: %w", err)
	}
	var runners, total int
	err = tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM monitor_runners WHERE seen_at > now() - make_interval(secs => $1)),
		(SELECT count(*) FROM monitors WHERE NOT paused)`, secs).Scan(&runners, &total)
	if err != nil {
		return nil, fmt.Errorf("claim monitors: %w", err)
	}
	share := (total + max(runners, 1) - 1) / max(runners, 1)
	// Renew what this runner holds, up to its share; release the rest.
	if _, err := tx.Exec(ctx, `UPDATE monitors SET lease_owner = NULL, lease_until = NULL WHERE id IN (
			SELECT id FROM monitors WHERE lease_owner = $1 AND NOT paused ORDER BY id OFFSET $2)
			OR (lease_owner = $1 AND paused)`, runner, share); err != nil {
		return nil, fmt.Errorf("release monitors: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE monitors SET lease_until = now() + make_interval(secs => $2) WHERE lease_owner = $1`,
		runner, secs); err != nil {
		return nil, fmt.Errorf("renew monitor leases: %w", err)
	}
	// Take free monitors up to the share; SKIP LOCKED keeps two runners
	// from waiting on, or taking, the same rows.
	if _, err := tx.Exec(ctx, `UPDATE monitors SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)
		WHERE id IN (SELECT id FROM monitors WHERE NOT paused AND (lease_owner IS NULL OR lease_until < now())
			ORDER BY id LIMIT greatest($3 - (SELECT count(*) FROM monitors WHERE lease_owner = $1), 0)
			FOR UPDATE SKIP LOCKED)`, runner, secs, share); err != nil {
		return nil, fmt.Errorf("take monitor leases: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM monitor_runners WHERE seen_at < now() - interval '1 hour'`); err != nil {
		return nil, fmt.Errorf("forget old runners: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT `+monitorColumns+` FROM monitors WHERE lease_owner = $1 ORDER BY id`, runner)
	held, err := collectMonitors(rows, err)
	if err != nil {
		return nil, err
	}
	return held, tx.Commit(ctx)
}

// ReleaseMonitors gives back a stopping runner's leases at once.
func (db *DB) ReleaseMonitors(ctx context.Context, runner string) error {
	if _, err := db.pool.Exec(ctx, `UPDATE monitors SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1`, runner); err != nil {
		return fmt.Errorf("release monitors: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM monitor_runners WHERE id = $1`, runner); err != nil {
		return fmt.Errorf("release monitors: %w", err)
	}
	return nil
}
