package metadata

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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

// DSNKey is a project's DSN key as its managers see it.
type DSNKey struct {
	ID         int64
	ProjectID  int64
	Label      string
	PublicKey  string
	SecretKey  string
	Active     bool
	RateLimit  int
	RateWindow time.Duration
	CreatedAt  time.Time
}

const dsnKeyColumns = `id, project_id, label, public_key, secret_key, active, COALESCE(rate_limit_count, 0),
	COALESCE(rate_limit_window, 0), created_at`

func scanDSNKey(r pgx.Row) (DSNKey, error) {
	var k DSNKey
	var window int32
	err := r.Scan(&k.ID, &k.ProjectID, &k.Label, &k.PublicKey, &k.SecretKey, &k.Active, &k.RateLimit, &window, &k.CreatedAt)
	k.RateWindow = time.Duration(window) * time.Second
	return k, err
}

// ListKeys returns a project's DSN keys, oldest first.
func (db *DB) ListKeys(ctx context.Context, projectID int64) ([]DSNKey, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+dsnKeyColumns+` FROM project_keys WHERE project_id = $1 ORDER BY id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("list DSN keys: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DSNKey, error) { return scanDSNKey(r) })
	if err != nil {
		return nil, fmt.Errorf("list DSN keys: %w", err)
	}
	return out, nil
}

// CreateKey adds a DSN key to a project.
func (db *DB) CreateKey(ctx context.Context, projectID int64, label string) (DSNKey, error) {
	if label = strings.TrimSpace(label); label == "" {
		label = "Default"
	}
	k, err := scanDSNKey(db.pool.QueryRow(ctx, `INSERT INTO project_keys (project_id, public_key, secret_key, label)
		VALUES ($1, $2, $3, $4) RETURNING `+dsnKeyColumns, projectID, randomHex(16), randomHex(16), label))
	if err != nil {
		return k, fmt.Errorf("create DSN key: %w", err)
	}
	return k, nil
}

// KeyUpdate holds the key settings to change; nil fields stay.
type KeyUpdate struct {
	Label      *string
	Active     *bool
	RateLimit  *int
	RateWindow *time.Duration // zero removes the limit
}

// UpdateKey changes one of a project's DSN keys.
func (db *DB) UpdateKey(ctx context.Context, projectID, keyID int64, u KeyUpdate) (DSNKey, error) {
	k, err := db.getKey(ctx, projectID, keyID)
	if err != nil {
		return k, err
	}
	if u.Label != nil {
		if k.Label = strings.TrimSpace(*u.Label); k.Label == "" {
			return k, invalid("a DSN key needs a name")
		}
	}
	if u.Active != nil {
		k.Active = *u.Active
	}
	if u.RateLimit != nil {
		if *u.RateLimit < 0 {
			return k, invalid("rate limit count must not be negative")
		}
		k.RateLimit = *u.RateLimit
	}
	if u.RateWindow != nil {
		if *u.RateWindow < 0 {
			return k, invalid("rate limit window must not be negative")
		}
		k.RateWindow = *u.RateWindow
	}
	var count, window *int
	if k.RateWindow > 0 {
		secs := max(int(k.RateWindow/time.Second), 1)
		count, window = &k.RateLimit, &secs
	}
	_, err = db.pool.Exec(ctx, `UPDATE project_keys SET label = $3, active = $4, rate_limit_count = $5, rate_limit_window = $6
		WHERE project_id = $1 AND id = $2`, projectID, keyID, k.Label, k.Active, count, window)
	if err != nil {
		return k, fmt.Errorf("update DSN key: %w", err)
	}
	return db.getKey(ctx, projectID, keyID)
}

func (db *DB) getKey(ctx context.Context, projectID, keyID int64) (DSNKey, error) {
	k, err := scanDSNKey(db.pool.QueryRow(ctx, `SELECT `+dsnKeyColumns+` FROM project_keys WHERE project_id = $1 AND id = $2`,
		projectID, keyID))
	if err != nil {
		return k, fmt.Errorf("DSN key %d: %w", keyID, notFound(err))
	}
	return k, nil
}

// DeleteKey removes one of a project's DSN keys.
func (db *DB) DeleteKey(ctx context.Context, projectID, keyID int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM project_keys WHERE project_id = $1 AND id = $2`, projectID, keyID)
	if err != nil {
		return fmt.Errorf("delete DSN key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete DSN key %d: %w", keyID, ErrNotFound)
	}
	return nil
}
