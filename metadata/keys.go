package metadata

import (
	"context"
	"fmt"
	"time"
)

// ProjectKey is a DSN key as ingest needs it.
type ProjectKey struct {
	PublicKey string
	ProjectID int64
	Active    bool
	// RateLimit events per RateWindow; zero RateWindow means unlimited.
	RateLimit  int
	RateWindow time.Duration
	// AllowedOrigins are the project's browser origins; empty allows all.
	AllowedOrigins []string
	// OrgID and its limit: OrgRateLimit events per OrgRateWindow across
	// all of the organization's keys; zero OrgRateWindow means unlimited.
	OrgID         int64
	OrgRateLimit  int
	OrgRateWindow time.Duration
	// ScrubData is the project's data scrubbing switch (on by default).
	ScrubData bool
}

// LookupKey finds a DSN key by its public part. It returns ErrNotFound for an
// unknown key.
func (db *DB) LookupKey(ctx context.Context, publicKey string) (ProjectKey, error) {
	k := ProjectKey{PublicKey: publicKey}
	var count, window, orgCount, orgWindow *int32
	err := db.pool.QueryRow(ctx, `SELECT k.project_id, k.active, k.rate_limit_count, k.rate_limit_window, p.allowed_origins,
			p.scrub_data, o.id, o.rate_limit_count, o.rate_limit_window
		FROM project_keys k JOIN projects p ON p.id = k.project_id JOIN organizations o ON o.id = p.organization_id
		WHERE k.public_key = $1`, publicKey).
		Scan(&k.ProjectID, &k.Active, &count, &window, &k.AllowedOrigins, &k.ScrubData, &k.OrgID, &orgCount, &orgWindow)
	if err != nil {
		return k, fmt.Errorf("look up DSN key: %w", notFound(err))
	}
	if count != nil && window != nil {
		k.RateLimit, k.RateWindow = int(*count), time.Duration(*window)*time.Second
	}
	if orgCount != nil && orgWindow != nil {
		k.OrgRateLimit, k.OrgRateWindow = int(*orgCount), time.Duration(*orgWindow)*time.Second
	}
	return k, nil
}

// SetKeyActive enables or disables a DSN key.
func (db *DB) SetKeyActive(ctx context.Context, publicKey string, active bool) error {
	tag, err := db.pool.Exec(ctx, `UPDATE project_keys SET active = $2 WHERE public_key = $1`, publicKey, active)
	if err != nil {
		return fmt.Errorf("update DSN key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update DSN key: %w", ErrNotFound)
	}
	return nil
}

// SetKeyRateLimit limits a DSN key to count events per window; a zero window
// removes the limit.
func (db *DB) SetKeyRateLimit(ctx context.Context, publicKey string, count int, window time.Duration) error {
	var c, w *int
	if window > 0 {
		secs := max(int(window/time.Second), 1)
		c, w = &count, &secs
	}
	tag, err := db.pool.Exec(ctx, `UPDATE project_keys SET rate_limit_count = $2, rate_limit_window = $3 WHERE public_key = $1`,
		publicKey, c, w)
	if err != nil {
		return fmt.Errorf("set DSN key rate limit: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set DSN key rate limit: %w", ErrNotFound)
	}
	return nil
}

// SetOrgRateLimit limits an organization to count events per window across
// all its keys; a zero window removes the limit.
func (db *DB) SetOrgRateLimit(ctx context.Context, orgID int64, count int, window time.Duration) error {
	var c, w *int
	if window > 0 {
		secs := max(int(window/time.Second), 1)
		c, w = &count, &secs
	}
	tag, err := db.pool.Exec(ctx, `UPDATE organizations SET rate_limit_count = $2, rate_limit_window = $3 WHERE id = $1`, orgID, c, w)
	if err != nil {
		return fmt.Errorf("set organization rate limit: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set organization rate limit: %w", ErrNotFound)
	}
	return nil
}
