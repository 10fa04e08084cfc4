package metadata

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// CustomProvider is the provider of repositories Faultline keeps: Sentry's
// custom source code management, which no integration reads.
const CustomProvider = "integrations:custom_scm"

const (
	// MaxRepositoryNameLen is the longest repository name, in characters.
	MaxRepositoryNameLen = 200
	// MaxRepositories bounds an organization's repositories.
	MaxRepositories = 1000
)

// Repository is a code repository of an organization, named by releases'
// refs and commits.
type Repository struct {
	ID        int64
	OrgID     int64
	Name      string // such as "acme/web"; unique in the organization, ignoring case
	URL       string // may be empty
	Provider  string
	CreatedAt time.Time
}

// NewRepository is what creating a repository takes.
type NewRepository struct {
	Name     string
	URL      string
	Provider string // CustomProvider when empty
}

func validRepository(nr NewRepository) error {
	switch {
	case nr.Name == "":
		return invalid("name: a repository needs a name, such as acme/web")
	case utf8.RuneCountInString(nr.Name) > MaxRepositoryNameLen:
		return invalid("name: a repository name has at most %d characters", MaxRepositoryNameLen)
	case strings.IndexFunc(nr.Name, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0:
		return invalid("name: a repository name has no spaces or control characters")
	case strings.Contains(nr.Name, "@"):
		// sentry-cli splits "REPO@SHA" at the first @.
		return invalid("name: a repository name cannot contain @ (refs are written REPO@SHA)")
	case nr.Provider != CustomProvider:
		return invalid("provider: Faultline keeps custom repositories only (%s, or leave it out)", CustomProvider)
	}
	if nr.URL != "" {
		u, err := url.Parse(nr.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(nr.URL) > maxReleaseTextLen {
			return invalid("url: send an http or https URL of at most %d bytes, or leave it out", maxReleaseTextLen)
		}
	}
	return nil
}

// CreateRepository adds a repository to the organization; a name it has
// (ignoring case) is ErrDuplicate.
func (db *DB) CreateRepository(ctx context.Context, orgID int64, nr NewRepository) (Repository, error) {
	if nr.Provider == "" {
		nr.Provider = CustomProvider
	}
	if err := validRepository(nr); err != nil {
		return Repository{}, err
	}
	r := Repository{OrgID: orgID, Name: nr.Name, URL: nr.URL, Provider: nr.Provider}
	// The count is a bound, not a guarantee: concurrent creations may pass
	// it together, which only lets an organization a few more.
	err := db.pool.QueryRow(ctx, `INSERT INTO repositories (organization_id, name, url, provider)
		SELECT $1, $2, $3, $4 WHERE (SELECT count(*) FROM repositories WHERE organization_id = $1) < $5
		RETURNING id, created_at`, orgID, nr.Name, nr.URL, nr.Provider, MaxRepositories).Scan(&r.ID, &r.CreatedAt)
	switch {
	case uniqueViolation(err):
		return r, fmt.Errorf("repository %s: %w", nr.Name, ErrDuplicate)
	case errors.Is(err, pgx.ErrNoRows):
		return r, invalid("an organization has at most %d repositories; delete one first", MaxRepositories)
	case err != nil:
		return r, fmt.Errorf("create repository %s: %w", nr.Name, err)
	}
	return r, nil
}

// Repositories lists the organization's repositories by name.
func (db *DB) Repositories(ctx context.Context, orgID int64) ([]Repository, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, organization_id, name, url, provider, created_at FROM repositories
		WHERE organization_id = $1 ORDER BY lower(name), id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Repository])
	if err != nil {
		return nil, fmt.Errorf("read repositories: %w", err)
	}
	return out, nil
}

// HiddenRepositories is which of the organization's repositories a member
// who sees only the projects visible does not see: those that commits of
// releases name, none of these releases being of a visible project (a
// repository no commit names yet is the whole organization's).
func (db *DB) HiddenRepositories(ctx context.Context, orgID int64, visible []int64) (map[int64]bool, error) {
	rows, err := db.pool.Query(ctx, `SELECT r.id FROM repositories r WHERE r.organization_id = $1
		AND EXISTS (SELECT 1 FROM release_commits c JOIN releases rel ON rel.id = c.release_id
			WHERE rel.organization_id = $1 AND lower(c.repository) = lower(r.name))
		AND NOT EXISTS (SELECT 1 FROM release_commits c JOIN releases rel ON rel.id = c.release_id
			JOIN release_projects rp ON rp.release_id = rel.id
			WHERE rel.organization_id = $1 AND lower(c.repository) = lower(r.name) AND rp.project_id = ANY($2))`, orgID, visible)
	if err != nil {
		return nil, fmt.Errorf("repositories of other teams: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("repositories of other teams: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// DeleteRepository removes one of the organization's repositories, or
// answers ErrNotFound. Commits that name it keep the name.
func (db *DB) DeleteRepository(ctx context.Context, orgID, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM repositories WHERE organization_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return fmt.Errorf("delete repository %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete repository %d: %w", id, ErrNotFound)
	}
	return nil
}
