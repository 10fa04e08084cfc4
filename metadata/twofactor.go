package metadata

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// TOTPState is a user's two-factor setup.
type TOTPState struct {
	SecretEnc   []byte
	Enabled     bool
	LastCounter int64
}

// TOTP returns the user's two-factor setup, or ErrNotFound when there is none.
func (db *DB) TOTP(ctx context.Context, userID int64) (TOTPState, error) {
	var s TOTPState
	err := db.pool.QueryRow(ctx, `SELECT secret_enc, enabled, last_counter FROM user_totp WHERE user_id = $1`, userID).
		Scan(&s.SecretEnc, &s.Enabled, &s.LastCounter)
	if err != nil {
		return s, fmt.Errorf("two-factor: %w", notFound(err))
	}
	return s, nil
}

// StartTOTP stores a new, not yet enabled secret, unless two-factor is on.
func (db *DB) StartTOTP(ctx context.Context, userID int64, secretEnc []byte) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO user_totp (user_id, secret_enc) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc, last_counter = 0 WHERE NOT user_totp.enabled`,
		userID, secretEnc)
	if err != nil {
		return fmt.Errorf("two-factor: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return invalid("two-factor login is already on; turn it off first")
	}
	return nil
}

// EnableTOTP turns two-factor on with fresh recovery codes (hashed).
func (db *DB) EnableTOTP(ctx context.Context, userID, counter int64, recoveryHashes [][]byte) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE user_totp SET enabled = true, last_counter = $2 WHERE user_id = $1 AND NOT enabled`, userID, counter)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return invalid("start two-factor setup first")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO user_recovery_codes (user_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) AS h`,
			userID, recoveryHashes)
		return err
	})
}

// UseTOTPCounter records that a code of this time step was used; it
// reports false when that step (or a later one) was used already.
func (db *DB) UseTOTPCounter(ctx context.Context, userID, counter int64) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE user_totp SET last_counter = $2 WHERE user_id = $1 AND enabled AND last_counter < $2`,
		userID, counter)
	if err != nil {
		return false, fmt.Errorf("two-factor: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UseRecoveryCode spends one recovery code; false when it is unknown or spent.
func (db *DB) UseRecoveryCode(ctx context.Context, userID int64, codeHash []byte) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE user_recovery_codes SET used_at = now()
		WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, codeHash)
	if err != nil {
		return false, fmt.Errorf("recovery code: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DisableTOTP turns two-factor codes off and forgets the recovery codes,
// unless a security key still needs them.
func (db *DB) DisableTOTP(ctx context.Context, userID int64) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1
			AND NOT EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = $1)`, userID)
		return err
	})
}

// TwoFactorEnabled reports whether the user must give a second factor: an
// authenticator app's code or a security key.
func (db *DB) TwoFactorEnabled(ctx context.Context, userID int64) (bool, error) {
	totp, keys, err := db.SecondFactors(ctx, userID)
	return totp || keys, err
}

// UserPassword checks a user's password, for confirming sensitive changes.
func (db *DB) UserPassword(ctx context.Context, userID int64, password string) (bool, error) {
	var hash string
	if err := db.pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&hash); err != nil {
		return false, fmt.Errorf("check password: %w", notFound(err))
	}
	return db.checkPassword(ctx, hash, password)
}
