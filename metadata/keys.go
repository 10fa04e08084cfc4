package metadata

import (
	"context"
	"fmt"
)

// ProjectKey is a DSN key as ingest needs it.
type ProjectKey struct {
	PublicKey string
	ProjectID int64
	Active    bool
}

// LookupKey finds a DSN key by its public part. It returns ErrNotFound for an
// unknown key.
func (db *DB) LookupKey(ctx context.Context, publicKey string) (ProjectKey, error) {
	k := ProjectKey{PublicKey: publicKey}
	err := db.pool.QueryRow(ctx, `SELECT project_id, active FROM project_keys WHERE public_key = $1`, publicKey).
		Scan(&k.ProjectID, &k.Active)
	if err != nil {
		return k, fmt.Errorf("look up DSN key: %w", notFound(err))
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
