package metadata

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Deploy is a release reaching an environment.
type Deploy struct {
	ID           int64
	Environment  string
	Name         string
	URL          string
	DateStarted  *time.Time
	DateFinished time.Time // now when created without one
}

// Commit is one commit of a release, in the order it was given.
type Commit struct {
	ID          string // the revision
	Repository  string
	Message     string
	AuthorName  string
	AuthorEmail string
	CommittedAt *time.Time
}

const (
	// MaxReleaseCommits bounds the commits of one release.
	MaxReleaseCommits = 10_000
	maxCommitIDLen    = 64 // sentry-cli's longest revision
	maxCommitTextLen  = 200
	maxCommitMessage  = 64 << 10
	maxEnvironmentLen = 64 // Sentry's
)

func validCommits(cs []Commit) error {
	if len(cs) > MaxReleaseCommits {
		return invalid("a release has at most %d commits; %d were sent", MaxReleaseCommits, len(cs))
	}
	for i, c := range cs {
		switch {
		case c.ID == "" || len(c.ID) > maxCommitIDLen || strings.ContainsAny(c.ID, " \t\r\n\x00"):
			return invalid("commit %d: a commit id (revision) has 1 to %d characters and no spaces", i, maxCommitIDLen)
		case len(c.Repository) > maxCommitTextLen || len(c.AuthorName) > maxCommitTextLen || len(c.AuthorEmail) > maxCommitTextLen:
			return invalid("commit %d: repository, author name and author email have at most %d bytes each", i, maxCommitTextLen)
		case len(c.Message) > maxCommitMessage:
			return invalid("commit %d: a commit message has at most %d bytes", i, maxCommitMessage)
		case strings.ContainsRune(c.Repository+c.AuthorName+c.AuthorEmail+c.Message, 0):
			return invalid("commit %d: text cannot contain NUL", i)
		}
	}
	return nil
}

// setCommits replaces a release's commits.
func setCommits(ctx context.Context, tx pgx.Tx, releaseID int64, cs []Commit) error {
	if _, err := tx.Exec(ctx, `DELETE FROM release_commits WHERE release_id = $1`, releaseID); err != nil {
		return fmt.Errorf("clear commits: %w", err)
	}
	if len(cs) == 0 {
		return nil
	}
	ids, repos, msgs, names, emails := make([]string, len(cs)), make([]string, len(cs)), make([]string, len(cs)), make([]string, len(cs)), make([]string, len(cs))
	dates := make([]*time.Time, len(cs))
	for i, c := range cs {
		ids[i], repos[i], msgs[i], names[i], emails[i], dates[i] = c.ID, c.Repository, c.Message, c.AuthorName, c.AuthorEmail, c.CommittedAt
	}
	_, err := tx.Exec(ctx, `INSERT INTO release_commits (release_id, position, commit_id, repository, message, author_name, author_email, committed_at)
		SELECT $1, c.ord - 1, c.id, c.repo, c.msg, c.name, c.email, c.at
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
			WITH ORDINALITY AS c(id, repo, msg, name, email, at, ord)`,
		releaseID, ids, repos, msgs, names, emails, dates)
	if err != nil {
		return fmt.Errorf("insert commits: %w", err)
	}
	return nil
}

// ReleaseCommits lists a release's commits in the order they were given.
func (db *DB) ReleaseCommits(ctx context.Context, releaseID int64) ([]Commit, error) {
	rows, err := db.pool.Query(ctx, `SELECT commit_id, repository, message, author_name, author_email, committed_at
		FROM release_commits WHERE release_id = $1 ORDER BY position`, releaseID)
	if err != nil {
		return nil, fmt.Errorf("list commits: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Commit])
	if err != nil {
		return nil, fmt.Errorf("read commits: %w", err)
	}
	return out, nil
}

// ValidEnvironment refuses an environment name Sentry refuses: nothing,
// more than 64 characters, a slash or a line break.
func ValidEnvironment(env string) error {
	if env == "" || utf8.RuneCountInString(env) > maxEnvironmentLen || strings.ContainsAny(env, "/\r\n\t\f\x00") {
		return invalid("an environment has 1 to %d characters and no /, line break or tab", maxEnvironmentLen)
	}
	return nil
}

// CreateDeploy records a deploy of a release.
func (db *DB) CreateDeploy(ctx context.Context, releaseID int64, d Deploy) (Deploy, error) {
	if err := ValidEnvironment(d.Environment); err != nil {
		return d, err
	}
	if len(d.Name) > maxCommitTextLen || len(d.URL) > maxReleaseTextLen || strings.ContainsRune(d.Name+d.URL, 0) {
		return d, invalid("a deploy's name has at most %d bytes and its url at most %d", maxCommitTextLen, maxReleaseTextLen)
	}
	var finished *time.Time
	if !d.DateFinished.IsZero() {
		finished = &d.DateFinished
	}
	err := db.pool.QueryRow(ctx, `INSERT INTO release_deploys (release_id, environment, name, url, date_started, date_finished)
		VALUES ($1, $2, $3, $4, $5, coalesce($6, now())) RETURNING id, date_finished`,
		releaseID, d.Environment, d.Name, d.URL, d.DateStarted, finished).Scan(&d.ID, &d.DateFinished)
	if err != nil {
		return d, fmt.Errorf("create deploy: %w", notFound(err))
	}
	return d, nil
}

// Deploys lists a release's deploys, newest first.
func (db *DB) Deploys(ctx context.Context, releaseID int64) ([]Deploy, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, environment, name, url, date_started, date_finished
		FROM release_deploys WHERE release_id = $1 ORDER BY date_finished DESC, id DESC`, releaseID)
	if err != nil {
		return nil, fmt.Errorf("list deploys: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Deploy])
	if err != nil {
		return nil, fmt.Errorf("read deploys: %w", err)
	}
	return out, nil
}

// PreviousReleaseWithCommits returns the organization's newest release
// created before version (any release when version is not stored) that
// has commits, with its head commit (the first given); ErrNotFound when
// there is none.
func (db *DB) PreviousReleaseWithCommits(ctx context.Context, orgID int64, version string) (Release, Commit, error) {
	var prev string
	var head Commit
	err := db.pool.QueryRow(ctx, `SELECT r.version, c.commit_id, c.repository, c.message, c.author_name, c.author_email, c.committed_at
		FROM releases r JOIN release_commits c ON c.release_id = r.id AND c.position = 0
		WHERE r.organization_id = $1 AND r.version <> $2
		AND r.created_at < coalesce((SELECT created_at FROM releases WHERE organization_id = $1 AND version = $2), 'infinity')
		ORDER BY r.created_at DESC, r.id DESC LIMIT 1`, orgID, version).
		Scan(&prev, &head.ID, &head.Repository, &head.Message, &head.AuthorName, &head.AuthorEmail, &head.CommittedAt)
	if err != nil {
		return Release{}, head, fmt.Errorf("previous release with commits: %w", notFound(err))
	}
	r, err := db.Release(ctx, orgID, prev)
	return r, head, err
}
