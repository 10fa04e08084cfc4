package metadata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Invitation is an organization's pending invitation.
type Invitation struct {
	ID    int64
	Email string
	Role  string
}

// PendingInvitation finds an invitation of the organization that can still
// be accepted; ErrNotFound otherwise (another organization's, accepted,
// expired or revoked).
func (db *DB) PendingInvitation(ctx context.Context, orgID, inviteID int64) (Invitation, error) {
	inv := Invitation{ID: inviteID}
	err := db.pool.QueryRow(ctx, `SELECT email, role FROM invitations
		WHERE id = $1 AND organization_id = $2 AND accepted_at IS NULL AND expires_at > now()`, inviteID, orgID).
		Scan(&inv.Email, &inv.Role)
	if errors.Is(err, pgx.ErrNoRows) {
		return inv, ErrNotFound
	}
	if err != nil {
		return inv, fmt.Errorf("pending invitation: %w", err)
	}
	return inv, nil
}

// RevokeInvitation deletes a pending invitation: its link stops working.
func (db *DB) RevokeInvitation(ctx context.Context, orgID, inviteID int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM invitations
		WHERE id = $1 AND organization_id = $2 AND accepted_at IS NULL`, inviteID, orgID)
	if err != nil {
		return fmt.Errorf("revoke invitation: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// RenewInvitation gives a pending invitation a new token and a new week to
// be accepted, and returns the token; the old link stops working, so a
// resent invitation has one live link only.
func (db *DB) RenewInvitation(ctx context.Context, orgID, inviteID int64) (string, error) {
	token := randomToken()
	tag, err := db.pool.Exec(ctx, `UPDATE invitations SET token_hash = $3, expires_at = $4
		WHERE id = $1 AND organization_id = $2 AND accepted_at IS NULL AND expires_at > now()`,
		inviteID, orgID, HashToken(token), time.Now().Add(InvitationTTL))
	if err != nil {
		return "", fmt.Errorf("renew invitation: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return "", ErrNotFound
	}
	return token, nil
}

// MemberTeams returns, per user, the slugs of the organization's teams the
// user is in, in slug order.
func (db *DB) MemberTeams(ctx context.Context, orgID int64) (map[int64][]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT tm.user_id, t.slug FROM team_members tm JOIN teams t ON t.id = tm.team_id
		WHERE t.organization_id = $1 ORDER BY t.slug`, orgID)
	if err != nil {
		return nil, fmt.Errorf("member teams: %w", err)
	}
	out := map[int64][]string{}
	var user int64
	var slug string
	if _, err := pgx.ForEachRow(rows, []any{&user, &slug}, func() error { out[user] = append(out[user], slug); return nil }); err != nil {
		return nil, fmt.Errorf("member teams: %w", err)
	}
	return out, nil
}
