package metadata

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/argon2"
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
	"org:read", "org:write", "org:admin", "project:read", "project:write", "project:admin",
	"event:read", "event:write", "event:admin", "member:read", "member:write",
}

// Bootstrap creates whichever of the user, organization (with the user as
// owner), project, DSN key and API token are missing. It is idempotent.
func (db *DB) Bootstrap(ctx context.Context, req BootstrapRequest) (BootstrapResult, error) {
	if err := validateSlug(req.Org); err != nil {
		return BootstrapResult{}, fmt.Errorf("organization: %w", err)
	}
	if err := validateSlug(req.Project); err != nil {
		return BootstrapResult{}, fmt.Errorf("project: %w", err)
	}
	if !strings.Contains(req.Email, "@") {
		return BootstrapResult{}, fmt.Errorf("email %q is not an email address", req.Email)
	}
	if len(req.Password) < 8 {
		return BootstrapResult{}, errors.New("password must be at least 8 characters")
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
		err := tx.QueryRow(ctx, `SELECT id FROM users WHERE lower(email) = lower($1)`, req.Email).Scan(&res.UserID)
		if errors.Is(err, pgx.ErrNoRows) {
			err = tx.QueryRow(ctx, `INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id`,
				req.Email, HashPassword(req.Password)).Scan(&res.UserID)
		}
		if err != nil {
			return fmt.Errorf("user: %w", err)
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO organizations (slug, name) VALUES ($1, $1)
			ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug RETURNING id`, req.Org).Scan(&res.OrganizationID); err != nil {
			return fmt.Errorf("organization: %w", err)
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, 'owner')
			ON CONFLICT DO NOTHING`, res.OrganizationID, res.UserID); err != nil {
			return fmt.Errorf("membership: %w", err)
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO projects (organization_id, slug, name) VALUES ($1, $2, $2)
			ON CONFLICT (organization_id, slug) DO UPDATE SET slug = EXCLUDED.slug RETURNING id`,
			res.OrganizationID, req.Project).Scan(&res.ProjectID); err != nil {
			return fmt.Errorf("project: %w", err)
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

const (
	argonTime    = 2
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword hashes a password with argon2id in the PHC string format.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

// CheckPassword reports whether password matches a HashPassword result.
func CheckPassword(hash, password string) bool {
	var version, memory, time int
	var threads uint8
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, uint32(time), uint32(memory), threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
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
