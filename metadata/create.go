package metadata

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Users, organizations and projects are created here and nowhere else: the
// API (registration, new organizations and projects), bootstrap and
// provisioning all go through these functions, so the same input is judged
// by the same rules whoever sends it.

// NewUser is an account to create.
type NewUser struct {
	Email    string // surrounding space is trimmed
	Password string // at least MinPasswordLength characters
	// Verified marks the address as confirmed: an administrator who
	// bootstraps or provisions the account vouches for it.
	Verified bool
}

// Validate refuses an address Faultline cannot mail and a password that
// breaks the password rule, as an InvalidError.
func (u NewUser) Validate() error {
	if email := strings.TrimSpace(u.Email); !ValidEmail(email) {
		return invalid("email %q is not an email address", email)
	}
	return checkPassword("password", u.Password)
}

// CreateUser creates an account and returns its id; a taken email is
// ErrEmailTaken. The password is hashed before the email is tried, so
// refusing a taken email takes as long as creating an account.
func (db *DB) CreateUser(ctx context.Context, u NewUser) (int64, error) {
	return db.createUser(ctx, db.pool, u)
}

// rowQuerier is a pool or a transaction.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (db *DB) createUser(ctx context.Context, q rowQuerier, u NewUser) (int64, error) {
	if err := u.Validate(); err != nil {
		return 0, err
	}
	hash, err := db.hashPassword(ctx, u.Password)
	if err != nil {
		return 0, err
	}
	var id int64
	err = q.QueryRow(ctx, `INSERT INTO users (email, password_hash, email_verified_at)
		VALUES ($1, $2, CASE WHEN $3 THEN now() END) RETURNING id`, strings.TrimSpace(u.Email), hash, u.Verified).Scan(&id)
	if uniqueViolation(err) {
		return 0, ErrEmailTaken
	}
	if err != nil {
		return 0, fmt.Errorf("create user: %w", err)
	}
	return id, nil
}

// ensureUser returns the id of the account with u's email, creating it
// (created true) when there is none. The caller holds a lock that keeps
// another ensureUser of the same email from racing it.
func (db *DB) ensureUser(ctx context.Context, tx pgx.Tx, u NewUser) (id int64, created bool, err error) {
	err = tx.QueryRow(ctx, `SELECT id FROM users WHERE lower(email) = lower($1)`, strings.TrimSpace(u.Email)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		id, err = db.createUser(ctx, tx, u)
		return id, err == nil, err
	}
	if err != nil {
		return 0, false, fmt.Errorf("find user: %w", err)
	}
	return id, false, nil
}

// NewOrganization is an organization to create.
type NewOrganization struct {
	Name string // required; surrounding space is trimmed
	Slug string // empty: made from Name
	// OwnerID, when set, is the user made the organization's owner.
	OwnerID int64
	// RetentionDays keeps events that many days; 0 is the server's setting.
	RetentionDays int
}

func (o NewOrganization) normalized() NewOrganization {
	o.Name, o.Slug = nameAndSlug(o.Name, o.Slug)
	return o
}

// nameAndSlug trims a name and makes the slug from it when none is given,
// as organizations and projects both take them.
func nameAndSlug(name, slug string) (string, string) {
	name = strings.TrimSpace(name)
	if slug == "" {
		slug = Slugify(name)
	}
	return name, slug
}

// Validate refuses an organization without a name, with a slug that breaks
// the slug rule, or with a negative retention, as an InvalidError.
func (o NewOrganization) Validate() error {
	o = o.normalized()
	if o.Name == "" {
		return invalid("an organization needs a name")
	}
	if err := validateSlug(o.Slug); err != nil {
		return invalid("organization: %v", err)
	}
	if o.RetentionDays < 0 {
		return invalid("organization %s: retention must be 0 (the server's setting) or more days, not %d", o.Slug, o.RetentionDays)
	}
	return nil
}

// CreateOrganization creates an organization, owned by o.OwnerID; a taken
// slug is refused.
func (db *DB) CreateOrganization(ctx context.Context, o NewOrganization) (Organization, error) {
	var out Organization
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, _, err = createOrganization(ctx, tx, o, refuseExisting)
		return err
	})
	return out, err
}

// onExisting says what creating a row whose slug is taken does.
type onExisting int

const (
	refuseExisting onExisting = iota // an InvalidError: someone chose a taken slug
	keepExisting                     // use the row as it is (bootstrap)
	updateExisting                   // the new values replace the row's (provisioning)
)

func conflictClause(target string, on onExisting, updates string) string {
	switch on {
	case keepExisting: // a no-op update, so RETURNING answers the existing row
		return ` ON CONFLICT ` + target + ` DO UPDATE SET slug = EXCLUDED.slug`
	case updateExisting:
		return ` ON CONFLICT ` + target + ` DO UPDATE SET ` + updates
	}
	return ""
}

// createOrganization creates o, or finds it by its slug as on says, and
// makes o.OwnerID its owner unless the user is a member already.
func createOrganization(ctx context.Context, tx pgx.Tx, o NewOrganization, on onExisting) (Organization, bool, error) {
	if err := o.Validate(); err != nil {
		return Organization{}, false, err
	}
	o = o.normalized()
	var retention *int
	if o.RetentionDays > 0 {
		retention = &o.RetentionDays
	}
	out := Organization{Slug: o.Slug}
	var created bool
	err := tx.QueryRow(ctx, `INSERT INTO organizations (slug, name, event_retention_days) VALUES ($1, $2, $3)`+
		conflictClause("(slug)", on, "name = EXCLUDED.name, event_retention_days = EXCLUDED.event_retention_days")+
		` RETURNING id, name, created_at, xmax = 0`, o.Slug, o.Name, retention).Scan(&out.ID, &out.Name, &out.CreatedAt, &created)
	if uniqueViolation(err) {
		return out, false, taken("the slug %q is taken", o.Slug)
	}
	if err != nil {
		return out, false, fmt.Errorf("create organization %s: %w", o.Slug, err)
	}
	if o.OwnerID != 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, 'owner')
			ON CONFLICT DO NOTHING`, out.ID, o.OwnerID); err != nil {
			return out, false, fmt.Errorf("organization %s owner: %w", o.Slug, err)
		}
		out.Role = "owner"
	}
	return out, created, nil
}

// NewProject is a project to create in an organization.
type NewProject struct {
	OrgID    int64
	Name     string // required; surrounding space is trimmed
	Slug     string // empty: made from Name
	Platform string
	// TeamID, when set, is the team (of OrgID) given the new project.
	TeamID int64
}

func (p NewProject) normalized() NewProject {
	p.Name, p.Slug = nameAndSlug(p.Name, p.Slug)
	return p
}

// Validate refuses a project without a name or with a slug that breaks the
// slug rule, as an InvalidError.
func (p NewProject) Validate() error {
	p = p.normalized()
	if p.Name == "" {
		return invalid("a project needs a name")
	}
	if err := validateSlug(p.Slug); err != nil {
		return invalid("project: %v", err)
	}
	return nil
}

// CreateProject creates a project with a first DSN key; a slug taken in
// the organization is refused.
func (db *DB) CreateProject(ctx context.Context, p NewProject) (Project, error) {
	var id int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		id, _, err = createProject(ctx, tx, p, refuseExisting)
		if err != nil || p.TeamID == 0 {
			return err
		}
		// The team must be the organization's: a team id of another
		// organization gives nothing.
		tag, err := tx.Exec(ctx, `INSERT INTO project_teams (project_id, team_id)
			SELECT $1, id FROM teams WHERE id = $2 AND organization_id = $3`, id, p.TeamID, p.OrgID)
		if err == nil && tag.RowsAffected() == 0 {
			err = fmt.Errorf("team %d: %w", p.TeamID, ErrNotFound)
		}
		return err
	})
	if err != nil {
		return Project{}, err
	}
	return db.projectByID(ctx, id)
}

// createProject creates p, or finds it by its slug as on says, and gives
// it a first DSN key when it has none.
func createProject(ctx context.Context, tx pgx.Tx, p NewProject, on onExisting) (id int64, created bool, err error) {
	if err := p.Validate(); err != nil {
		return 0, false, err
	}
	p = p.normalized()
	err = tx.QueryRow(ctx, `INSERT INTO projects (organization_id, slug, name, platform) VALUES ($1, $2, $3, $4)`+
		conflictClause("(organization_id, slug)", on, "name = EXCLUDED.name, platform = EXCLUDED.platform")+
		` RETURNING id, xmax = 0`, p.OrgID, p.Slug, p.Name, p.Platform).Scan(&id, &created)
	if uniqueViolation(err) {
		return 0, false, taken("the slug %q is taken in this organization", p.Slug)
	}
	if err != nil {
		return 0, false, fmt.Errorf("create project %s: %w", p.Slug, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO project_keys (project_id, public_key, secret_key)
		SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM project_keys WHERE project_id = $1)`,
		id, randomHex(16), randomHex(16)); err != nil {
		return 0, false, fmt.Errorf("project %s key: %w", p.Slug, err)
	}
	return id, created, nil
}
