package metadata

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Principal is who an API request acts as.
type Principal struct {
	UserID int64
	Email  string
	Scopes []string
	// Session is true for a dashboard session (cookie), false for a token.
	Session bool
}

// HasScope reports whether the principal was granted scope.
func (p Principal) HasScope(scope string) bool { return slices.Contains(p.Scopes, scope) }

// Authenticate resolves a bearer token. It returns ErrNotFound for an unknown
// token and records when the token was last used (at most once a minute).
func (db *DB) Authenticate(ctx context.Context, token string) (Principal, error) {
	var p Principal
	var id int64
	var lastUsed *time.Time
	err := db.pool.QueryRow(ctx, `
		SELECT t.id, t.user_id, u.email, t.scopes, t.last_used_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1`, HashToken(token)).Scan(&id, &p.UserID, &p.Email, &p.Scopes, &lastUsed)
	if err != nil {
		return p, fmt.Errorf("look up API token: %w", notFound(err))
	}
	if lastUsed == nil || time.Since(*lastUsed) > time.Minute {
		if _, err := db.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, id); err != nil {
			db.log.Warn("could not record token use", "err", err)
		}
	}
	return p, nil
}
