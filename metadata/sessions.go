package metadata

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrBadCredentials is returned for a wrong email or password, without
// saying which.
var ErrBadCredentials = errors.New("invalid email or password")

// ErrEmailTaken is returned when registering an email that has an account.
var ErrEmailTaken = &InvalidError{msg: "an account with this email already exists"}

// SessionTTL is how long a dashboard session lives without being used.
const SessionTTL = 14 * 24 * time.Hour

// CheckLogin returns the user whose email and password these are. An
// unknown email costs a hash check too, so that it takes as long as a wrong
// password. It returns ErrBusy when password checks are saturated.
func (db *DB) CheckLogin(ctx context.Context, email, password string) (int64, error) {
	var id int64
	var hash string
	err := db.pool.QueryRow(ctx, `SELECT id, password_hash FROM users WHERE lower(email) = lower($1)`,
		strings.TrimSpace(email)).Scan(&id, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := db.checkPassword(ctx, dummyHash, password); err != nil {
			return 0, err
		}
		return 0, ErrBadCredentials
	}
	if err != nil {
		return 0, fmt.Errorf("check login: %w", err)
	}
	ok, err := db.checkPassword(ctx, hash, password)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, ErrBadCredentials
	}
	if outdated(hash) {
		db.rehash(ctx, id, hash, password)
	}
	return id, nil
}

// rehash replaces a hash made with older parameters, best effort: a
// failure leaves the old hash, which still verifies.
func (db *DB) rehash(ctx context.Context, userID int64, old, password string) {
	hash, err := db.hashPassword(ctx, password)
	if err == nil {
		_, err = db.pool.Exec(ctx, `UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2`, userID, old, hash)
	}
	if err != nil {
		db.log.Warn("could not rehash a password with the current parameters", "user", userID, "err", err)
	}
}

// ValidEmail reports whether s looks like an email address Faultline can
// send to: one line, an @, at most 254 bytes.
func ValidEmail(s string) bool {
	return strings.Contains(s, "@") && len(s) <= 254 && !strings.ContainsAny(s, "\r\n\x00")
}

// ChangePassword sets a new password after checking the current one. It
// ends every other session of the user and revokes the user's API tokens:
// whoever knew the old password may have made them.
func (db *DB) ChangePassword(ctx context.Context, userID int64, current, next, keepSession string) error {
	if err := checkPassword("the new password", next); err != nil {
		return err
	}
	ok, err := db.UserPassword(ctx, userID, current)
	if err != nil {
		return err
	}
	if !ok {
		return ErrBadCredentials
	}
	newHash, err := db.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, newHash); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		return endAccess(ctx, tx, userID, keepSession)
	})
}

// endAccess ends the user's sessions but keepSession ("" for none) and
// revokes the user's API tokens, after the password changed.
func endAccess(ctx context.Context, tx pgx.Tx, userID int64, keepSession string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM user_sessions WHERE user_id = $1 AND id_hash <> $2`, userID, HashToken(keepSession)); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM api_tokens WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("revoke API tokens: %w", err)
	}
	return nil
}

// Session is a signed-in dashboard user.
type Session struct {
	ID        string // the cookie's value; shown once, stored hashed
	CSRFToken string
	Principal Principal
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// How a session began, as CreateSession records it.
const (
	SessionByPassword = "password" // a password, with a two-factor code when the account has one
	SessionByKey      = "key"      // a password and a security key
	SessionBySSO      = "sso"      // single sign-on
)

// CreateSession starts a session with fresh id and CSRF token, noting how
// it began (SessionByPassword, SessionByKey or SessionBySSO). The session
// comes back with its user's id, email and whether it is confirmed.
func (db *DB) CreateSession(ctx context.Context, userID int64, method, userAgent, ip string) (Session, error) {
	s := Session{ID: randomToken(), CSRFToken: randomToken()}
	// The account comes back with it, so that a login can answer who is
	// logged in without a second request.
	err := db.pool.QueryRow(ctx, `WITH started AS (
			INSERT INTO user_sessions (id_hash, user_id, csrf_token, user_agent, ip, expires_at, method)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING user_id)
		SELECT u.id, u.email, u.email_verified_at IS NOT NULL FROM users u JOIN started ON started.user_id = u.id`,
		HashToken(s.ID), userID, s.CSRFToken, truncateText(userAgent, 512), ip, time.Now().Add(SessionTTL), method).
		Scan(&s.Principal.UserID, &s.Principal.Email, &s.Principal.EmailVerified)
	if err != nil {
		return s, fmt.Errorf("create session: %w", err)
	}
	return s, nil
}

// LookupSession resolves a session cookie, extending the session's life
// (at most once a minute). Expired or unknown sessions are ErrNotFound, and
// so is one that did not begin with single sign-on once its user is a
// non-owner member of an organization that requires it: turning requireSso
// on deletes those, and this ends them too for members who join or are
// demoted afterwards.
func (db *DB) LookupSession(ctx context.Context, id string) (Session, error) {
	s := Session{ID: id}
	var lastSeen time.Time
	err := db.pool.QueryRow(ctx, `SELECT s.user_id, u.email, u.email_verified_at IS NOT NULL, s.csrf_token, s.last_seen_at
		FROM user_sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = $1 AND s.expires_at > now()
		AND (s.method = $2 OR NOT EXISTS (SELECT 1 FROM organization_members m JOIN organizations o ON o.id = m.organization_id
			WHERE m.user_id = s.user_id AND o.require_sso AND m.role <> 'owner'))`, HashToken(id), SessionBySSO).
		Scan(&s.Principal.UserID, &s.Principal.Email, &s.Principal.EmailVerified, &s.CSRFToken, &lastSeen)
	if err != nil {
		return s, fmt.Errorf("look up session: %w", notFound(err))
	}
	// A session acts with every scope; what the user may do is decided by
	// their membership and role in each organization.
	s.Principal.Scopes = AllScopes
	s.Principal.Session = true
	if time.Since(lastSeen) > time.Minute {
		if _, err := db.pool.Exec(ctx, `UPDATE user_sessions SET last_seen_at = now(), expires_at = $2 WHERE id_hash = $1`,
			HashToken(id), time.Now().Add(SessionTTL)); err != nil {
			db.log.Warn("could not extend session", "err", err)
		}
	}
	return s, nil
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM user_sessions WHERE id_hash = $1`, HashToken(id)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
