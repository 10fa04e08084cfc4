package metadata

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Principal is who an API request acts as.
type Principal struct {
	UserID int64
	Email  string
	Scopes []string
	// Session is true for a dashboard session (cookie), false for a token.
	Session bool
	// TokenID is the API token's id when a token authenticated; 0 otherwise.
	TokenID int64
	// EmailVerified is true once the user has shown they read Email (a
	// confirmation link, a password reset, or an administrator made the
	// account).
	EmailVerified bool
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
		SELECT t.id, t.user_id, u.email, u.email_verified_at IS NOT NULL, t.scopes, t.last_used_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1`, HashToken(token)).Scan(&id, &p.UserID, &p.Email, &p.EmailVerified, &p.Scopes, &lastUsed)
	if err != nil {
		return p, fmt.Errorf("look up API token: %w", notFound(err))
	}
	p.TokenID = id
	if lastUsed == nil || time.Since(*lastUsed) > time.Minute {
		if _, err := db.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, id); err != nil {
			db.log.Warn("could not record token use", "err", err)
		}
	}
	return p, nil
}

// APIToken is a user's API token as listed; the token itself is only known
// when it is created.
type APIToken struct {
	ID         int64
	Label      string
	Scopes     []string
	Token      string // only set by CreateToken
	LastChars  string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// CreateToken mints a token for the user with the given scopes.
func (db *DB) CreateToken(ctx context.Context, userID int64, label string, scopes []string) (APIToken, error) {
	if label = strings.TrimSpace(label); label == "" {
		return APIToken{}, invalid("a token needs a name")
	}
	if len(scopes) == 0 {
		return APIToken{}, invalid("a token needs at least one scope")
	}
	for _, s := range scopes {
		if !ValidScope(s) {
			return APIToken{}, invalid("unknown scope %q", s)
		}
	}
	t := APIToken{Label: label, Scopes: scopes, Token: "flt_" + randomHex(32)}
	t.LastChars = t.Token[len(t.Token)-4:]
	err := db.pool.QueryRow(ctx, `INSERT INTO api_tokens (user_id, label, token_hash, scopes) VALUES ($1, $2, $3, $4)
		RETURNING id, created_at`, userID, label, HashToken(t.Token), scopes).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		return t, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}

// ListTokens returns the user's tokens, newest first.
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, label, scopes, created_at, last_used_at FROM api_tokens
		WHERE user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIToken, error) {
		var t APIToken
		err := r.Scan(&t.ID, &t.Label, &t.Scopes, &t.CreatedAt, &t.LastUsedAt)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// DeleteToken revokes one of the user's tokens.
func (db *DB) DeleteToken(ctx context.Context, userID, tokenID int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM api_tokens WHERE user_id = $1 AND id = $2`, userID, tokenID)
	if err != nil {
		return fmt.Errorf("delete token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete token %d: %w", tokenID, ErrNotFound)
	}
	return nil
}
