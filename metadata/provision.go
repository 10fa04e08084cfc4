package metadata

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ProvisionPlan is the desired state a deployment declares: organizations
// with their teams, projects (and alert rules) and members, users and API
// tokens whose secrets come from a secret store. Provision creates what is
// missing and updates what differs; it never deletes.
type ProvisionPlan struct {
	Users         []ProvisionUser
	Organizations []ProvisionOrg
	Tokens        []ProvisionToken
}

// ProvisionUser is a (service) account; Password, when set, is (re)set.
type ProvisionUser struct {
	Email    string
	Password string
}

// ProvisionOrg is an organization and what it holds.
type ProvisionOrg struct {
	Slug, Name    string
	RetentionDays int
	Teams         []ProvisionTeam
	Projects      []ProvisionProject
	Members       []ProvisionMember
}

// ProvisionTeam is a team of an organization.
type ProvisionTeam struct{ Slug, Name string }

// ProvisionProject is a project, the teams it belongs to and its alerts.
type ProvisionProject struct {
	Slug, Name, Platform string
	Teams                []string
	Alerts               []AlertRule
}

// ProvisionMember is a user's role in an organization and their teams.
type ProvisionMember struct {
	Email, Role string
	Teams       []string
}

// ProvisionToken is an API token with a value chosen outside Faultline.
type ProvisionToken struct {
	User, Name string
	Scopes     []string
	Value      string
}

// ProvisionReport counts what Provision did, by kind; it holds no secret.
type ProvisionReport map[string]int

// Provision applies the plan in one transaction (alert rules after it).
func (db *DB) Provision(ctx context.Context, p ProvisionPlan) (ProvisionReport, error) {
	if err := p.validateAlerts(); err != nil {
		return nil, err
	}
	report := ProvisionReport{}
	users := map[string]int64{}
	var alerts []AlertRule
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7426001)`); err != nil {
			return err
		}
		for _, u := range p.Users {
			nu := NewUser{Email: u.Email, Password: u.Password, Verified: true}
			if nu.Password == "" {
				nu.Password = randomHex(32) // a service account that logs in with tokens only
			}
			if err := nu.Validate(); err != nil {
				return invalid("user %s: %v", u.Email, err)
			}
			id, created, err := db.ensureUser(ctx, tx, nu)
			if err != nil {
				return fmt.Errorf("user %s: %w", u.Email, err)
			}
			if created {
				report["users created"]++
			} else if u.Password != "" {
				if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, id, HashPassword(u.Password)); err != nil {
					return fmt.Errorf("user %s: %w", u.Email, err)
				}
				report["passwords set"]++
			}
			users[strings.ToLower(strings.TrimSpace(u.Email))] = id
		}
		userID := func(email string) (int64, error) {
			if id, ok := users[strings.ToLower(email)]; ok {
				return id, nil
			}
			var id int64
			err := tx.QueryRow(ctx, `SELECT id FROM users WHERE lower(email) = lower($1)`, email).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				return 0, invalid("user %s is not in the file's users nor in Faultline", email)
			}
			users[strings.ToLower(email)] = id
			return id, err
		}
		for _, o := range p.Organizations {
			org, inserted, err := createOrganization(ctx, tx, NewOrganization{Name: nonEmptyName(o.Name, o.Slug), Slug: o.Slug,
				RetentionDays: o.RetentionDays}, updateExisting)
			if err != nil {
				return err
			}
			orgID := org.ID
			count(report, "organizations", inserted)
			teams := map[string]int64{}
			for _, t := range o.Teams {
				if err := validateSlug(t.Slug); err != nil {
					return invalid("team: %v", err)
				}
				var id int64
				if err := tx.QueryRow(ctx, `INSERT INTO teams (organization_id, slug, name) VALUES ($1, $2, $3)
					ON CONFLICT (organization_id, slug) DO UPDATE SET name = $3 RETURNING id, xmax = 0`, orgID, t.Slug, nonEmptyName(t.Name, t.Slug)).Scan(&id, &inserted); err != nil {
					return fmt.Errorf("team %s: %w", t.Slug, err)
				}
				count(report, "teams", inserted)
				teams[t.Slug] = id
			}
			team := func(slug string) (int64, error) {
				if id, ok := teams[slug]; ok {
					return id, nil
				}
				return 0, invalid("team %q of organization %s is not declared", slug, o.Slug)
			}
			for _, pr := range o.Projects {
				projectID, inserted, err := createProject(ctx, tx, NewProject{OrgID: orgID, Name: nonEmptyName(pr.Name, pr.Slug),
					Slug: pr.Slug, Platform: pr.Platform}, updateExisting)
				if err != nil {
					return err
				}
				count(report, "projects", inserted)
				for _, slug := range pr.Teams {
					id, err := team(slug)
					if err != nil {
						return err
					}
					if _, err := tx.Exec(ctx, `INSERT INTO project_teams (project_id, team_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, projectID, id); err != nil {
						return fmt.Errorf("project %s team: %w", pr.Slug, err)
					}
				}
				for _, a := range pr.Alerts {
					a.ProjectID = projectID
					alerts = append(alerts, a)
				}
			}
			for _, m := range o.Members {
				id, err := userID(m.Email)
				if err != nil {
					return err
				}
				role := m.Role
				if role == "" {
					role = "member"
				}
				if _, ok := roleScopes[role]; !ok {
					return invalid("member %s: role %q is not one of member, admin, manager, owner", m.Email, role)
				}
				if _, err := tx.Exec(ctx, `INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, $3)
					ON CONFLICT (organization_id, user_id) DO UPDATE SET role = $3`, orgID, id, role); err != nil {
					return fmt.Errorf("member %s: %w", m.Email, err)
				}
				report["memberships"]++
				for _, slug := range m.Teams {
					tid, err := team(slug)
					if err != nil {
						return err
					}
					if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, tid, id); err != nil {
						return fmt.Errorf("team member %s: %w", m.Email, err)
					}
				}
			}
		}
		for _, t := range p.Tokens {
			id, err := userID(t.User)
			if err != nil {
				return err
			}
			if len(t.Value) < 32 {
				return invalid("token %q: its value must be at least 32 characters", t.Name)
			}
			for _, s := range t.Scopes {
				if !ValidScope(s) {
					return invalid("token %q: unknown scope %q", t.Name, s)
				}
			}
			var inserted bool
			if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (user_id, label, token_hash, scopes) VALUES ($1, $2, $3, $4)
				ON CONFLICT (token_hash) DO UPDATE SET label = $2, scopes = $4, user_id = $1 RETURNING xmax = 0`,
				id, t.Name, HashToken(t.Value), t.Scopes).Scan(&inserted); err != nil {
				return fmt.Errorf("token %q: %w", t.Name, err)
			}
			count(report, "tokens", inserted)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, a := range alerts {
		existing, err := db.AlertRules(ctx, a.ProjectID)
		if err != nil {
			return nil, err
		}
		for _, e := range existing {
			if e.Name == a.Name {
				a.ID = e.ID
			}
		}
		if _, err := db.SaveAlertRule(ctx, a); err != nil {
			return nil, fmt.Errorf("alert %q: %w", a.Name, err)
		}
		count(report, "alerts", a.ID == 0)
	}
	return report, nil
}

// validateAlerts checks every alert rule of the plan before anything is
// written, so a bad rule leaves the deployment as it was and the message
// says which rule of which project is wrong.
func (p ProvisionPlan) validateAlerts() error {
	for _, o := range p.Organizations {
		for _, pr := range o.Projects {
			for _, a := range pr.Alerts {
				if err := a.Validate(); err != nil {
					return invalid("organization %s, project %s, alert %q: %v", o.Slug, pr.Slug, a.Name, err)
				}
			}
		}
	}
	return nil
}

func count(r ProvisionReport, kind string, created bool) {
	if created {
		r[kind+" created"]++
	} else {
		r[kind+" updated"]++
	}
}

func nonEmptyName(name, slug string) string {
	if strings.TrimSpace(name) == "" {
		return slug
	}
	return name
}
