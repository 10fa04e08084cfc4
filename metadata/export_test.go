package metadata

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Hooks for metadata_test.

func (db *DB) PasswordHash(ctx context.Context, userID int64) (string, error) {
	var hash string
	err := db.pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&hash)
	return hash, err
}

func (db *DB) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	_, err := db.pool.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, hash)
	return err
}

// AcquireHashSlot takes one of the hashing slots, as a running hash does.
func (db *DB) AcquireHashSlot(ctx context.Context) (release func(), err error) {
	l := db.hashLimit()
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	return l.release, nil
}

const DummyHash = dummyHash

var Outdated = outdated

// AddProjectRelease stores a release of the project, created at created.
func (db *DB) AddProjectRelease(ctx context.Context, orgID, projectID int64, version string, created time.Time) error {
	_, err := db.pool.Exec(ctx, `WITH r AS (INSERT INTO releases (organization_id, version, created_at) VALUES ($1, $2, $3) RETURNING id)
		INSERT INTO release_projects (release_id, project_id) SELECT id, $4 FROM r`, orgID, version, created, projectID)
	return err
}

// SetFirstRelease names the release of an issue's first event, as the
// workers will.
func (db *DB) SetFirstRelease(ctx context.Context, issueID int64, version string) error {
	_, err := db.pool.Exec(ctx, `UPDATE issues SET first_release = $2 WHERE id = $1`, issueID, version)
	return err
}

// BackdateAudit moves an organization's audit entries of event back by age.
func (db *DB) BackdateAudit(ctx context.Context, orgID int64, event string, age time.Duration) error {
	_, err := db.pool.Exec(ctx, `UPDATE audit_log SET created_at = now() - $3::interval WHERE organization_id = $1 AND event = $2`,
		orgID, event, age)
	return err
}

// ExplainIssueList is PostgreSQL's plan for the issue list's page and its
// total under f, with sequential scans and sorts priced out of reach: a
// plan that still sorts or scans has no index to read them from.
func (db *DB) ExplainIssueList(ctx context.Context, f IssueFilter, countLimit int) (page, total string, err error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return "", "", err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off`); err != nil {
		return "", "", err
	}
	q, args, err := searchQuery(f)
	if err != nil {
		return "", "", err
	}
	if page, err = explain(ctx, tx, q, args...); err != nil {
		return "", "", err
	}
	if q, args, err = countQuery(f, countLimit); err != nil {
		return "", "", err
	}
	total, err = explain(ctx, tx, q, args...)
	return page, total, err
}

// ExplainSearch is the plan PostgreSQL makes for SearchIssues, as it runs.
func (db *DB) ExplainSearch(ctx context.Context, f IssueFilter) (string, error) {
	q, args, err := searchQuery(f)
	if err != nil {
		return "", err
	}
	return explain(ctx, db.pool, q, append([]any{planEachTime}, args...)...)
}

// explain is PostgreSQL's plan for q, one line a row.
func explain(ctx context.Context, conn interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, q string, args ...any) (string, error) {
	rows, err := conn.Query(ctx, "EXPLAIN "+q, args...)
	if err != nil {
		return "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return strings.Join(lines, "\n"), err
}
