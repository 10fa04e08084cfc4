package metadata

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// BootstrapRequest names what Bootstrap must make sure exists.
type BootstrapRequest struct {
	Email    string
	Password string
	Org      string
	Project  string
	// SecretKey derives the bootstrap API token, so that running bootstrap
	// again prints the same, still valid token instead of piling up new ones.
	SecretKey string
}

// BootstrapResult is what Bootstrap found or created.
type BootstrapResult struct {
	UserID         int64
	OrganizationID int64
	Organization   string
	ProjectID      int64
	Project        string
	PublicKey      string
	Token          string
}

// AllScopes are the scopes of a bootstrap token: everything.
var AllScopes = []string{
	"org:read", "org:write", "org:admin", "project:read", "project:write", "project:admin", "project:releases",
	"event:read", "event:write", "event:admin", "member:read", "member:write", "team:read", "team:write", "team:admin",
}

// Bootstrap creates whichever of the user, organization (with the user as
// owner), project, DSN key and API token are missing. It is idempotent.
func (db *DB) Bootstrap(ctx context.Context, req BootstrapRequest) (BootstrapResult, error) {
	user := NewUser{Email: req.Email, Password: req.Password, Verified: true} // the administrator vouches for the address
	org := NewOrganization{Name: req.Org, Slug: req.Org}
	project := NewProject{Name: req.Project, Slug: req.Project}
	for _, v := range []interface{ Validate() error }{user, org, project} {
		if err := v.Validate(); err != nil {
			return BootstrapResult{}, err
		}
	}
	if req.SecretKey == "" {
		return BootstrapResult{}, errors.New("no secret key set (FAULTLINE_SECRET_KEY)")
	}
	res := BootstrapResult{Organization: req.Org, Project: req.Project}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		// Serialise concurrent bootstraps; they are rare and short.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7426001)`); err != nil {
			return err
		}
		var err error
		if res.UserID, _, err = db.ensureUser(ctx, tx, user); err != nil {
			return fmt.Errorf("user: %w", err)
		}
		org.OwnerID = res.UserID
		o, _, err := createOrganization(ctx, tx, org, keepExisting)
		if err != nil {
			return err
		}
		res.OrganizationID = o.ID
		project.OrgID = o.ID
		if res.ProjectID, _, err = createProject(ctx, tx, project, keepExisting); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT public_key FROM project_keys WHERE project_id = $1 AND active ORDER BY id LIMIT 1`,
			res.ProjectID).Scan(&res.PublicKey)
		if errors.Is(err, pgx.ErrNoRows) {
			res.PublicKey = randomHex(16)
			_, err = tx.Exec(ctx, `INSERT INTO project_keys (project_id, public_key, secret_key) VALUES ($1, $2, $3)`,
				res.ProjectID, res.PublicKey, randomHex(16))
		}
		if err != nil {
			return fmt.Errorf("DSN key: %w", err)
		}
		res.Token = bootstrapToken(req.SecretKey, res.UserID)
		if _, err := tx.Exec(ctx, `
			INSERT INTO api_tokens (user_id, label, token_hash, scopes) VALUES ($1, 'bootstrap', $2, $3)
			ON CONFLICT (token_hash) DO NOTHING`, res.UserID, HashToken(res.Token), AllScopes); err != nil {
			return fmt.Errorf("API token: %w", err)
		}
		return nil
	})
	return res, err
}

// bootstrapToken derives the user's bootstrap token from the server's secret.
func bootstrapToken(secret string, userID int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "faultline bootstrap token for user %d", userID)
	return "flt_" + hex.EncodeToString(mac.Sum(nil))
}

// HashToken is how API tokens are stored and looked up.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func validateSlug(s string) error {
	if s == "" || len(s) > 50 {
		return fmt.Errorf("slug %q must be 1 to 50 characters", s)
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || (r == '-' || r == '_') && i > 0
		if !ok {
			return fmt.Errorf("slug %q may hold only lowercase letters, digits, '-' and '_', and must start with a letter or digit", s)
		}
	}
	return nil
}
