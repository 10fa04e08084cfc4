package metadata

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// SSOLogin is a single sign-on started in a browser: the nonce the ID
// token must carry and the PKCE verifier of the code.
type SSOLogin struct {
	Nonce, Verifier string
}

// noPassword is the password hash of an account made by single sign-on: no
// password matches it (it is not a PHC string), so the account signs in by
// its provider until its owner sets a password by a reset.
const noPassword = "!sso"

// StartSSOLogin records a login's state (stored hashed) until ttl has
// passed, and deletes logins that expired: a state lives minutes at most,
// so the table holds only the logins of the last few minutes.
func (db *DB) StartSSOLogin(ctx context.Context, state, provider string, l SSOLogin, ttl time.Duration) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sso_logins WHERE expires_at < now()`); err != nil {
			return fmt.Errorf("start sign-on: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sso_logins (state_hash, provider, nonce, verifier, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			HashToken(state), provider, l.Nonce, l.Verifier, time.Now().Add(ttl)); err != nil {
			return fmt.Errorf("start sign-on: %w", err)
		}
		return nil
	})
}

// TakeSSOLogin returns and deletes the login of state: a state is used
// once, whether or not it was shown to the provider that started it. An
// unknown, used or expired state, or one another provider started, is
// ErrNotFound.
func (db *DB) TakeSSOLogin(ctx context.Context, state, provider string) (SSOLogin, error) {
	var l SSOLogin
	var started string
	var live bool
	err := db.pool.QueryRow(ctx, `DELETE FROM sso_logins WHERE state_hash = $1 RETURNING provider, nonce, verifier, expires_at > now()`,
		HashToken(state)).Scan(&started, &l.Nonce, &l.Verifier, &live)
	if err != nil {
		return l, fmt.Errorf("sign-on state: %w", notFound(err))
	}
	if !live || started != provider {
		return SSOLogin{}, fmt.Errorf("sign-on state: %w", ErrNotFound)
	}
	return l, nil
}

// Identity is who a provider says signed in.
type Identity struct {
	Provider, Subject, Email string
}

// IdentityUser returns the account the identity signs in, and notes the
// login; ErrNotFound when the identity is linked to none.
func (db *DB) IdentityUser(ctx context.Context, provider, subject string) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `UPDATE user_identities SET last_login_at = now() WHERE provider = $1 AND subject = $2 RETURNING user_id`,
		provider, subject).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("identity: %w", notFound(err))
	}
	return id, nil
}

// SSOSignup is what a provider gives an account it creates: a role in an
// organization (none when Org is empty).
type SSOSignup struct {
	Org, Role string
}

// FirstSSO is what a first sign-in by an identity did: created an account
// (UserID), or, when an account has the identity's email, made a link for
// its owner to confirm with the account's password (LinkToken, shown once).
type FirstSSO struct {
	UserID    int64
	Created   bool
	LinkToken string
}

// ErrIdentityTaken is a first sign-in whose email's account is linked to
// another identity of the same provider already.
var ErrIdentityTaken = &InvalidError{msg: "the account with this email is linked to another identity of this provider"}

// FirstSSOLogin handles an identity that signs in no account yet, whose
// email the provider verified. An account with that email is never signed
// in by it: a link waits, until linkTTL, for the account's password. With
// no such account, one is created (with no password) with signup's role.
func (db *DB) FirstSSOLogin(ctx context.Context, id Identity, signup SSOSignup, linkTTL time.Duration) (FirstSSO, error) {
	var res FirstSSO
	email := strings.TrimSpace(id.Email)
	if !ValidEmail(email) {
		return res, invalid("email %q is not an email address", email)
	}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id FROM users WHERE lower(email) = lower($1) FOR UPDATE`, email).Scan(&res.UserID)
		switch {
		case err == nil:
			var linked bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM user_identities WHERE user_id = $1 AND provider = $2)`,
				res.UserID, id.Provider).Scan(&linked); err != nil {
				return err
			}
			if linked {
				return ErrIdentityTaken
			}
			if _, err := tx.Exec(ctx, `DELETE FROM sso_pending_links WHERE expires_at < now()`); err != nil {
				return err
			}
			res.LinkToken = randomToken()
			_, err := tx.Exec(ctx, `INSERT INTO sso_pending_links (token_hash, user_id, provider, subject, email, expires_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, HashToken(res.LinkToken), res.UserID, id.Provider, id.Subject, email, time.Now().Add(linkTTL))
			return err
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		var orgID int64
		if signup.Org != "" {
			if !slices.Contains(Roles, signup.Role) {
				return invalid("role %q is not one of %v", signup.Role, Roles)
			}
			if err := tx.QueryRow(ctx, `SELECT id FROM organizations WHERE slug = $1`, signup.Org).Scan(&orgID); errors.Is(err, pgx.ErrNoRows) {
				return invalid("organization %s, which single sign-on adds new accounts to, does not exist", signup.Org)
			} else if err != nil {
				return err
			}
		}
		err = tx.QueryRow(ctx, `INSERT INTO users (email, password_hash, email_verified_at) VALUES ($1, $2, now()) RETURNING id`,
			email, noPassword).Scan(&res.UserID)
		if uniqueViolation(err) {
			return ErrEmailTaken
		}
		if err != nil {
			return err
		}
		res.Created = true
		if _, err := tx.Exec(ctx, `INSERT INTO user_identities (provider, subject, user_id, email) VALUES ($1, $2, $3, $4)`,
			id.Provider, id.Subject, res.UserID, email); err != nil {
			return err
		}
		if orgID != 0 {
			_, err = tx.Exec(ctx, `INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, $3)`,
				orgID, res.UserID, signup.Role)
		}
		return err
	})
	if err != nil {
		return FirstSSO{}, fmt.Errorf("first sign-on: %w", err)
	}
	return res, nil
}

// PendingLink is an identity waiting to be linked to an account.
type PendingLink struct {
	UserID   int64
	Email    string // the account's
	Provider string
}

// PendingSSOLink returns the link of token, unused and unexpired, or
// ErrNotFound.
func (db *DB) PendingSSOLink(ctx context.Context, token string) (PendingLink, error) {
	var l PendingLink
	err := db.pool.QueryRow(ctx, `SELECT l.user_id, u.email, l.provider FROM sso_pending_links l JOIN users u ON u.id = l.user_id
		WHERE l.token_hash = $1 AND l.expires_at > now()`, HashToken(token)).Scan(&l.UserID, &l.Email, &l.Provider)
	if err != nil {
		return l, fmt.Errorf("pending link: %w", notFound(err))
	}
	return l, nil
}

// CompleteSSOLink links the identity of token to its account, once: a
// second call with the same token is ErrNotFound.
func (db *DB) CompleteSSOLink(ctx context.Context, token string) (int64, error) {
	var userID int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var provider, subject, email string
		err := tx.QueryRow(ctx, `DELETE FROM sso_pending_links WHERE token_hash = $1 AND expires_at > now()
			RETURNING user_id, provider, subject, email`, HashToken(token)).Scan(&userID, &provider, &subject, &email)
		if err != nil {
			return notFound(err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO user_identities (provider, subject, user_id, email) VALUES ($1, $2, $3, $4)`,
			provider, subject, userID, email)
		if uniqueViolation(err) {
			return ErrIdentityTaken
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("link identity: %w", err)
	}
	return userID, nil
}

// SSORequiredBy returns the slug of an organization that requires single
// sign-on of the user, who is a member but not an owner of it (owners keep
// their password, to recover from a provider that fails); "" when none.
func (db *DB) SSORequiredBy(ctx context.Context, userID int64) (string, error) {
	var slug string
	err := db.pool.QueryRow(ctx, `SELECT o.slug FROM organization_members m JOIN organizations o ON o.id = m.organization_id
		WHERE m.user_id = $1 AND o.require_sso AND m.role <> 'owner' ORDER BY o.slug LIMIT 1`, userID).Scan(&slug)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("single sign-on requirement: %w", err)
	}
	return slug, nil
}

// SetOrgRequiresSSO turns the requirement on or off. Turning it on ends
// the sessions of the organization's members who are not owners that did
// not begin with single sign-on (a password, or a password and a security
// key): the requirement holds from the next request, not the next login.
// Owners keep theirs (break-glass). API tokens stay: like Sentry's user
// auth tokens they are made on purpose, scoped, and used by automation.
// It answers how many sessions it ended.
func (db *DB) SetOrgRequiresSSO(ctx context.Context, orgID int64, on bool) (int64, error) {
	var ended int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE organizations SET require_sso = $2 WHERE id = $1`, orgID, on); err != nil {
			return err
		}
		if !on {
			return nil
		}
		tag, err := tx.Exec(ctx, `DELETE FROM user_sessions s USING organization_members m
			WHERE m.organization_id = $1 AND m.user_id = s.user_id AND m.role <> 'owner' AND s.method <> $2`, orgID, SessionBySSO)
		ended = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("organization settings: %w", err)
	}
	return ended, nil
}
