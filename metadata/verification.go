package metadata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// VerificationTTL is how long an email confirmation link works.
const VerificationTTL = 24 * time.Hour

// ErrAlreadyVerified is returned when asking to confirm an address that is
// confirmed already.
var ErrAlreadyVerified = &InvalidError{msg: "your email address is confirmed already"}

// CreateEmailVerification makes a confirmation token (for a link; stored
// only hashed) for the user's email address, and returns the address.
func (db *DB) CreateEmailVerification(ctx context.Context, userID int64) (token, email string, err error) {
	var verified bool
	err = db.pool.QueryRow(ctx, `SELECT email, email_verified_at IS NOT NULL FROM users WHERE id = $1`, userID).
		Scan(&email, &verified)
	if err != nil {
		return "", "", fmt.Errorf("email confirmation: %w", notFound(err))
	}
	if verified {
		return "", email, ErrAlreadyVerified
	}
	token = randomToken()
	if _, err := db.pool.Exec(ctx, `INSERT INTO email_verifications (token_hash, user_id, email, expires_at) VALUES ($1, $2, $3, $4)`,
		HashToken(token), userID, email, time.Now().Add(VerificationTTL)); err != nil {
		return "", "", fmt.Errorf("email confirmation: %w", err)
	}
	return token, email, nil
}

// ErrVerificationInvalid is returned for an unknown, used or expired
// confirmation link, or one sent to an address the account no longer has.
var ErrVerificationInvalid = &InvalidError{msg: "this confirmation link is invalid, used or expired; ask for a new one from your account page"}

// VerifyEmail marks the address a confirmation token was sent to as the
// user's confirmed address. A token works once.
func (db *DB) VerifyEmail(ctx context.Context, token string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var userID int64
		var email string
		err := tx.QueryRow(ctx, `UPDATE email_verifications SET used_at = now()
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id, email`, HashToken(token)).
			Scan(&userID, &email)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrVerificationInvalid
		}
		if err != nil {
			return fmt.Errorf("confirm email: %w", err)
		}
		tag, err := tx.Exec(ctx, `UPDATE users SET email_verified_at = coalesce(email_verified_at, now())
			WHERE id = $1 AND lower(email) = lower($2)`, userID, email)
		if err != nil {
			return fmt.Errorf("confirm email: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrVerificationInvalid
		}
		return nil
	})
}
