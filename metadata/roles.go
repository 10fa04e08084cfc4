package metadata

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Roles in an organization, weakest first.
var Roles = []string{"member", "admin", "manager", "owner"}

// roleScopes is what each role may do in its organization.
var roleScopes = map[string][]string{
	"member": {"org:read", "project:read", "project:releases", "event:read", "event:write", "member:read", "team:read"},
	"admin": {"org:read", "project:read", "project:write", "project:admin", "project:releases", "event:read", "event:write", "event:admin", "member:read",
		"team:read", "team:write", "team:admin"},
	"manager": {"org:read", "org:write", "project:read", "project:write", "project:admin", "project:releases", "event:read", "event:write", "event:admin",
		"member:read", "member:write", "team:read", "team:write", "team:admin"},
	"owner": AllScopes,
}

// ValidScope reports whether s is a scope Faultline knows.
func ValidScope(s string) bool { return slices.Contains(AllScopes, s) }

// Membership is a user's place in an organization.
type Membership struct {
	OrgID   int64
	OrgSlug string
	OrgName string
	Role    string
	// OrgCreatedAt is when the organization was made, for its detail.
	OrgCreatedAt time.Time
	UserID       int64
	// OpenMembership is the organization's setting: every member sees
	// every project (see SeesEveryProject).
	OpenMembership bool
	// RequireSSO is the organization's setting: its members who are not
	// owners sign in with single sign-on only.
	RequireSSO bool
}

// Allows reports whether the role, and the principal acting in it, may use
// scope: a token is held to both its own scopes and its user's role.
func (m Membership) Allows(p Principal, scope string) bool {
	return p.HasScope(scope) && slices.Contains(roleScopes[m.Role], scope)
}

// MembershipBySlug returns the user's membership in the organization, or
// ErrNotFound when the user is not a member (or there is no such org).
func (db *DB) MembershipBySlug(ctx context.Context, userID int64, orgSlug string) (Membership, error) {
	m := Membership{UserID: userID}
	err := db.pool.QueryRow(ctx, `SELECT o.id, o.slug, o.name, m.role, o.created_at, o.open_membership, o.require_sso FROM organizations o
		JOIN organization_members m ON m.organization_id = o.id AND m.user_id = $1
		WHERE o.slug = $2`, userID, orgSlug).Scan(&m.OrgID, &m.OrgSlug, &m.OrgName, &m.Role, &m.OrgCreatedAt, &m.OpenMembership, &m.RequireSSO)
	if err != nil {
		return m, fmt.Errorf("organization %s: %w", orgSlug, notFound(err))
	}
	return m, nil
}

// AddMember adds a user to an organization with a role, or changes the role
// of a member.
func (db *DB) AddMember(ctx context.Context, orgID, userID int64, role string) error {
	if !slices.Contains(Roles, role) {
		return invalid("role %q is not one of %v", role, Roles)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (organization_id, user_id) DO UPDATE SET role = EXCLUDED.role`, orgID, userID, role)
	if err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}
