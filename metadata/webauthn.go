package metadata

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// PendingLoginTTL is how long a login whose password was right may take to
// give its second factor.
const PendingLoginTTL = 5 * time.Minute

// SecurityKey is a WebAuthn credential registered to an account.
type SecurityKey struct {
	ID           int64
	CredentialID []byte
	PublicKey    []byte
	SignCount    uint32
	Name         string
	Record       []byte // the WebAuthn library's JSON record of the credential
	CreatedAt    time.Time
	LastUsedAt   *time.Time
}

// SecurityKeys lists the user's security keys, oldest first.
func (db *DB) SecurityKeys(ctx context.Context, userID int64) ([]SecurityKey, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, credential_id, public_key, sign_count, name, record, created_at, last_used_at
		FROM webauthn_credentials WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("security keys: %w", err)
	}
	defer rows.Close()
	var out []SecurityKey
	for rows.Next() {
		var k SecurityKey
		var count int64
		if err := rows.Scan(&k.ID, &k.CredentialID, &k.PublicKey, &count, &k.Name, &k.Record, &k.CreatedAt, &k.LastUsedAt); err != nil {
			return nil, fmt.Errorf("security keys: %w", err)
		}
		k.SignCount = uint32(count)
		out = append(out, k)
	}
	return out, rows.Err()
}

// AddSecurityKey stores a newly registered key. An account without recovery
// codes (no authenticator app) gets recoveryHashes as its codes, and the
// answer says so; a credential registered already is refused.
func (db *DB) AddSecurityKey(ctx context.Context, userID int64, k SecurityKey, recoveryHashes [][]byte) (SecurityKey, bool, error) {
	var gaveCodes bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO webauthn_credentials (user_id, credential_id, public_key, sign_count, name, record)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at`,
			userID, k.CredentialID, k.PublicKey, int64(k.SignCount), k.Name, k.Record).Scan(&k.ID, &k.CreatedAt)
		if uniqueViolation(err) {
			return taken("this security key is registered already")
		}
		if err != nil {
			return err
		}
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM user_recovery_codes WHERE user_id = $1)`, userID).Scan(&has); err != nil {
			return err
		}
		if has || len(recoveryHashes) == 0 {
			return nil
		}
		gaveCodes = true
		_, err = tx.Exec(ctx, `INSERT INTO user_recovery_codes (user_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) AS h`,
			userID, recoveryHashes)
		return err
	})
	if err != nil {
		return k, false, fmt.Errorf("add security key: %w", err)
	}
	return k, gaveCodes, nil
}

// DeleteSecurityKey removes one of the user's keys (ErrNotFound for
// another's). The recovery codes go with the last second factor.
func (db *DB) DeleteSecurityKey(ctx context.Context, userID, id int64) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM webauthn_credentials WHERE id = $1 AND user_id = $2`, id, userID)
		if err != nil {
			return fmt.Errorf("delete security key: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("security key: %w", ErrNotFound)
		}
		_, err = tx.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1
			AND NOT EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = $1)
			AND NOT EXISTS (SELECT 1 FROM user_totp WHERE user_id = $1 AND enabled)`, userID)
		return err
	})
}

// UseSecurityKey records a login with the key: its new signature counter
// and record. It reports false when the counter did not grow (a cloned key,
// or an assertion replayed), unless the key keeps no counter (always 0).
func (db *DB) UseSecurityKey(ctx context.Context, userID int64, credentialID []byte, signCount uint32, record []byte) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE webauthn_credentials SET sign_count = $3, record = $4, last_used_at = now()
		WHERE user_id = $1 AND credential_id = $2 AND (sign_count < $3 OR (sign_count = 0 AND $3 = 0))`,
		userID, credentialID, int64(signCount), record)
	if err != nil {
		return false, fmt.Errorf("use security key: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// StartKeyRegistration keeps the challenge of the user's registration
// under way, replacing an earlier one.
func (db *DB) StartKeyRegistration(ctx context.Context, userID int64, session []byte, expires time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO webauthn_registrations (user_id, session, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET session = EXCLUDED.session, expires_at = EXCLUDED.expires_at`, userID, session, expires)
	if err != nil {
		return fmt.Errorf("start key registration: %w", err)
	}
	return nil
}

// TakeKeyRegistration returns and forgets the user's registration under
// way, so that its challenge serves once; ErrNotFound when there is none.
func (db *DB) TakeKeyRegistration(ctx context.Context, userID int64) ([]byte, error) {
	var session []byte
	var live bool
	err := db.pool.QueryRow(ctx, `DELETE FROM webauthn_registrations WHERE user_id = $1 RETURNING session, expires_at > now()`, userID).
		Scan(&session, &live)
	if err != nil {
		return nil, fmt.Errorf("key registration: %w", notFound(err))
	}
	if !live {
		return nil, fmt.Errorf("key registration: %w", ErrNotFound)
	}
	return session, nil
}

// SecondFactors reports which second factors the user has turned on.
func (db *DB) SecondFactors(ctx context.Context, userID int64) (totp, keys bool, err error) {
	err = db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM user_totp WHERE user_id = $1 AND enabled),
		EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = $1)`, userID).Scan(&totp, &keys)
	if err != nil {
		return false, false, fmt.Errorf("second factors: %w", err)
	}
	return totp, keys, nil
}

// CreatePendingLogin records a login whose password was right and answers
// the token that its second step presents.
func (db *DB) CreatePendingLogin(ctx context.Context, userID int64) (string, error) {
	token := randomToken()
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM pending_logins WHERE expires_at < now()`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO pending_logins (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`,
			HashToken(token), userID, time.Now().Add(PendingLoginTTL))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("pending login: %w", err)
	}
	return token, nil
}

// SetPendingLoginChallenge binds a security-key challenge to the pending
// login of token and answers its user; ErrNotFound for an unknown, used or
// expired token.
func (db *DB) SetPendingLoginChallenge(ctx context.Context, token string, session []byte) (int64, error) {
	var userID int64
	err := db.pool.QueryRow(ctx, `UPDATE pending_logins SET session = $2 WHERE token_hash = $1 AND expires_at > now() RETURNING user_id`,
		HashToken(token), session).Scan(&userID)
	if err != nil {
		return 0, fmt.Errorf("pending login: %w", notFound(err))
	}
	return userID, nil
}

// PendingLoginUser answers the user of an unexpired pending login.
func (db *DB) PendingLoginUser(ctx context.Context, token string) (int64, error) {
	var userID int64
	err := db.pool.QueryRow(ctx, `SELECT user_id FROM pending_logins WHERE token_hash = $1 AND expires_at > now()`, HashToken(token)).Scan(&userID)
	if err != nil {
		return 0, fmt.Errorf("pending login: %w", notFound(err))
	}
	return userID, nil
}

// TakePendingLogin ends the pending login of token, whatever its second
// step's outcome (so a challenge is answered once), and returns its user,
// the user's email and the challenge; ErrNotFound when it is unknown, used,
// expired or was never given a challenge.
func (db *DB) TakePendingLogin(ctx context.Context, token string) (userID int64, email string, session []byte, err error) {
	var live bool
	err = db.pool.QueryRow(ctx, `WITH d AS (DELETE FROM pending_logins WHERE token_hash = $1
			RETURNING user_id, session, expires_at > now() AS live)
		SELECT d.user_id, u.email, d.session, d.live FROM d JOIN users u ON u.id = d.user_id`,
		HashToken(token)).Scan(&userID, &email, &session, &live)
	if err != nil {
		return 0, "", nil, fmt.Errorf("pending login: %w", notFound(err))
	}
	if !live || session == nil {
		return 0, "", nil, fmt.Errorf("pending login: %w", ErrNotFound)
	}
	return userID, email, session, nil
}
