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

// RoleRank orders roles: a member may only grant roles up to their own.
func RoleRank(role string) int { return slices.Index(Roles, role) }

// Member is a member of an organization, or an invitation not yet accepted.
type Member struct {
	UserID    int64 // 0 for a pending invitation
	InviteID  int64 // set for a pending invitation
	Email     string
	Role      string
	Pending   bool
	CreatedAt time.Time
}

// ListMembers returns an organization's members and pending invitations.
func (db *DB) ListMembers(ctx context.Context, orgID int64) ([]Member, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT u.id, 0::bigint, u.email, m.role, false, m.created_at FROM organization_members m JOIN users u ON u.id = m.user_id
		WHERE m.organization_id = $1
		UNION ALL
		SELECT 0::bigint, i.id, i.email, i.role, true, i.created_at FROM invitations i
		WHERE i.organization_id = $1 AND i.accepted_at IS NULL AND i.expires_at > now()
		ORDER BY 3`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) {
		var m Member
		err := r.Scan(&m.UserID, &m.InviteID, &m.Email, &m.Role, &m.Pending, &m.CreatedAt)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return out, nil
}

// InvitationTTL is how long an invitation can be accepted.
const InvitationTTL = 7 * 24 * time.Hour

// CreateInvitation invites an email address with a role and returns the
// invitation's token (for the link; stored only hashed).
func (db *DB) CreateInvitation(ctx context.Context, orgID, invitedBy int64, email, role string) (string, error) {
	email = strings.TrimSpace(email)
	if !strings.Contains(email, "@") || strings.ContainsAny(email, "\r\n ") {
		return "", invalid("email %q is not an email address", email)
	}
	if RoleRank(role) < 0 {
		return "", invalid("role %q is not one of %v", role, Roles)
	}
	var exists bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organization_members m JOIN users u ON u.id = m.user_id
		WHERE m.organization_id = $1 AND lower(u.email) = lower($2))`, orgID, email).Scan(&exists); err != nil {
		return "", fmt.Errorf("create invitation: %w", err)
	}
	if exists {
		return "", invalid("%s is already a member", email)
	}
	token := randomToken()
	_, err := db.pool.Exec(ctx, `INSERT INTO invitations (organization_id, email, role, token_hash, invited_by, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, orgID, email, role, HashToken(token), invitedBy, time.Now().Add(InvitationTTL))
	if err != nil {
		return "", fmt.Errorf("create invitation: %w", err)
	}
	return token, nil
}

// ErrInvitationInvalid is returned for an unknown, used or expired invitation.
var ErrInvitationInvalid = &InvalidError{msg: "this invitation is invalid, used or expired"}

// AcceptInvitation makes the user a member. The invitation must be addressed
// to the user's own email, and can be used once.
func (db *DB) AcceptInvitation(ctx context.Context, token string, userID int64) (string, error) {
	var slug string
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var id, orgID int64
		var email, role string
		err := tx.QueryRow(ctx, `SELECT i.id, i.organization_id, i.email, i.role, o.slug FROM invitations i
			JOIN organizations o ON o.id = i.organization_id
			WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > now() FOR UPDATE OF i`, HashToken(token)).
			Scan(&id, &orgID, &email, &role, &slug)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrInvitationInvalid
		}
		if err != nil {
			return err
		}
		var userEmail string
		if err := tx.QueryRow(ctx, `SELECT email FROM users WHERE id = $1`, userID).Scan(&userEmail); err != nil {
			return err
		}
		if !strings.EqualFold(userEmail, email) {
			return invalid("this invitation is for another email address; log in as its recipient")
		}
		if _, err := tx.Exec(ctx, `UPDATE invitations SET accepted_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, $3)
			ON CONFLICT (organization_id, user_id) DO NOTHING`, orgID, userID, role)
		return err
	})
	return slug, err
}

// ErrLastOwner protects an organization from losing its last owner.
var ErrLastOwner = &InvalidError{msg: "an organization needs at least one owner"}

// SetMemberRole changes a member's role.
func (db *DB) SetMemberRole(ctx context.Context, orgID, userID int64, role string) error {
	if RoleRank(role) < 0 {
		return invalid("role %q is not one of %v", role, Roles)
	}
	return db.changeMember(ctx, orgID, userID, role)
}

// RemoveMember takes a user out of an organization.
func (db *DB) RemoveMember(ctx context.Context, orgID, userID int64) error {
	return db.changeMember(ctx, orgID, userID, "")
}

// changeMember sets a role, or removes the member with role "", keeping at
// least one owner.
func (db *DB) changeMember(ctx context.Context, orgID, userID int64, role string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var current string
		err := tx.QueryRow(ctx, `SELECT role FROM organization_members WHERE organization_id = $1 AND user_id = $2 FOR UPDATE`,
			orgID, userID).Scan(&current)
		if err != nil {
			return fmt.Errorf("member %d: %w", userID, notFound(err))
		}
		if current == "owner" && role != "owner" {
			var owners int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM organization_members WHERE organization_id = $1 AND role = 'owner'`,
				orgID).Scan(&owners); err != nil {
				return err
			}
			if owners <= 1 {
				return ErrLastOwner
			}
		}
		if role == "" {
			_, err = tx.Exec(ctx, `DELETE FROM organization_members WHERE organization_id = $1 AND user_id = $2`, orgID, userID)
			if err == nil {
				// A member who leaves leaves its teams: coming back does not
				// bring back the projects they showed.
				_, err = tx.Exec(ctx, `DELETE FROM team_members WHERE user_id = $2
					AND team_id IN (SELECT id FROM teams WHERE organization_id = $1)`, orgID, userID)
			}
		} else {
			_, err = tx.Exec(ctx, `UPDATE organization_members SET role = $3 WHERE organization_id = $1 AND user_id = $2`, orgID, userID, role)
		}
		return err
	})
}

// MemberRole returns a member's role, or ErrNotFound.
func (db *DB) MemberRole(ctx context.Context, orgID, userID int64) (string, error) {
	var role string
	err := db.pool.QueryRow(ctx, `SELECT role FROM organization_members WHERE organization_id = $1 AND user_id = $2`,
		orgID, userID).Scan(&role)
	if err != nil {
		return "", fmt.Errorf("member %d: %w", userID, notFound(err))
	}
	return role, nil
}

// ResetTTL is how long a password reset link works.
const ResetTTL = time.Hour

// CreatePasswordReset makes a reset token for the account with this email.
// found is false, with no error, when there is no such account.
func (db *DB) CreatePasswordReset(ctx context.Context, email string) (token, accountEmail string, found bool, err error) {
	var userID int64
	err = db.pool.QueryRow(ctx, `SELECT id, email FROM users WHERE lower(email) = lower($1)`, strings.TrimSpace(email)).
		Scan(&userID, &accountEmail)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("password reset: %w", err)
	}
	token = randomToken()
	if _, err := db.pool.Exec(ctx, `INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`,
		HashToken(token), userID, time.Now().Add(ResetTTL)); err != nil {
		return "", "", false, fmt.Errorf("password reset: %w", err)
	}
	return token, accountEmail, true, nil
}

// ResetPassword sets a new password with a reset token, once. It ends all
// of the user's sessions and revokes the user's API tokens, and counts as
// proof that the user reads the account's email.
func (db *DB) ResetPassword(ctx context.Context, token, password string) (int64, error) {
	if err := checkPassword("the new password", password); err != nil {
		return 0, err
	}
	hash, err := db.hashPassword(ctx, password)
	if err != nil {
		return 0, err
	}
	var userID int64
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE password_resets SET used_at = now()
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`, HashToken(token)).Scan(&userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return invalid("this reset link is invalid, used or expired; ask for a new one")
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, email_verified_at = coalesce(email_verified_at, now())
			WHERE id = $1`, userID, hash); err != nil {
			return err
		}
		return endAccess(ctx, tx, userID, "")
	})
	return userID, err
}
