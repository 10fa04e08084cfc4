package metadata

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Release is a version of an organization's code as sentry-cli or the
// releases API recorded it, with the projects it ships and a summary of its
// deploys and commits.
type Release struct {
	ID           int64
	OrgID        int64
	Version      string
	Ref          string
	URL          string
	DateReleased *time.Time // nil until the release is finalized
	CreatedAt    time.Time
	ProjectIDs   []int64
	CommitCount  int
	DeployCount  int
	LastDeploy   *Deploy
}

// NewRelease is what creating a release takes. Creating a version that
// exists adds the projects and, when given, replaces the commits; ref, url
// and dateReleased of an existing release are left as they are.
type NewRelease struct {
	Version      string
	Ref, URL     string
	DateReleased *time.Time
	ProjectIDs   []int64   // ids of projects of the organization
	Commits      *[]Commit // nil leaves the commits alone
}

// ReleaseChanges are the changes of an update; nil fields stay unchanged.
type ReleaseChanges struct {
	Ref, URL *string
	// SetDateReleased changes the release date to DateReleased (nil clears it).
	SetDateReleased bool
	DateReleased    *time.Time
	ProjectIDs      []int64 // added to the release's projects
	Commits         *[]Commit
}

// ReleaseVersion is a release's version and creation time: what lists sort
// and page by.
type ReleaseVersion struct {
	Version   string
	CreatedAt time.Time
}

const (
	// MaxReleaseVersionLen is the longest version, in characters (Sentry's).
	MaxReleaseVersionLen = 200
	// MaxListedReleases bounds the versions a list reads to sort and page.
	MaxListedReleases = 10_000
	maxReleaseTextLen = 2048 // ref and url
)

// ValidReleaseVersion refuses what Sentry refuses as a version: nothing,
// more than 200 characters, a slash or backslash (versions are path
// segments), line breaks and tabs, ".", ".." and "latest".
func ValidReleaseVersion(v string) error {
	switch {
	case v == "":
		return invalid("a release needs a version")
	case utf8.RuneCountInString(v) > MaxReleaseVersionLen:
		return invalid("a release version has at most %d characters", MaxReleaseVersionLen)
	case strings.ContainsAny(v, "/\\"):
		return invalid("a release version cannot contain / or \\ (it is a segment of the release's URL)")
	case strings.ContainsAny(v, "\r\n\t\f\v\x00"):
		return invalid("a release version cannot contain line breaks, tabs or NUL")
	case v == "." || v == "..":
		return invalid("a release version cannot be %q", v)
	case strings.EqualFold(v, "latest"):
		return invalid(`a release version cannot be "latest" (the name stands for the newest release)`)
	}
	return nil
}

func validReleaseText(field, s string) error {
	if len(s) > maxReleaseTextLen || strings.ContainsRune(s, 0) {
		return invalid("a release's %s has at most %d bytes and no NUL", field, maxReleaseTextLen)
	}
	return nil
}

const releaseColumns = `r.id, r.organization_id, r.version, r.ref, r.url, r.date_released, r.created_at,
	coalesce((SELECT array_agg(project_id ORDER BY project_id) FROM release_projects WHERE release_id = r.id), '{}'),
	(SELECT count(*) FROM release_commits WHERE release_id = r.id),
	(SELECT count(*) FROM release_deploys WHERE release_id = r.id),
	d.id, d.environment, d.name, d.url, d.date_started, d.date_finished
	FROM releases r LEFT JOIN LATERAL (SELECT * FROM release_deploys WHERE release_id = r.id
		ORDER BY date_finished DESC, id DESC LIMIT 1) d ON true`

func scanRelease(row pgx.Row) (Release, error) {
	var r Release
	var deployID *int64
	var env, name, url *string
	var started, finished *time.Time
	err := row.Scan(&r.ID, &r.OrgID, &r.Version, &r.Ref, &r.URL, &r.DateReleased, &r.CreatedAt, &r.ProjectIDs,
		&r.CommitCount, &r.DeployCount, &deployID, &env, &name, &url, &started, &finished)
	if err == nil && deployID != nil {
		r.LastDeploy = &Deploy{ID: *deployID, Environment: *env, Name: *name, URL: *url, DateStarted: started, DateFinished: *finished}
	}
	return r, err
}

// Releases returns the organization's releases of the given versions, in
// no particular order; versions it does not have are left out.
func (db *DB) Releases(ctx context.Context, orgID int64, versions []string) ([]Release, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+releaseColumns+` WHERE r.organization_id = $1 AND r.version = ANY($2)`, orgID, versions)
	if err != nil {
		return nil, fmt.Errorf("get releases: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Release, error) { return scanRelease(r) })
	if err != nil {
		return nil, fmt.Errorf("read releases: %w", err)
	}
	return out, nil
}

// Release returns one release of the organization, or ErrNotFound.
func (db *DB) Release(ctx context.Context, orgID int64, version string) (Release, error) {
	r, err := scanRelease(db.pool.QueryRow(ctx, `SELECT `+releaseColumns+` WHERE r.organization_id = $1 AND r.version = $2`, orgID, version))
	if err != nil {
		return r, fmt.Errorf("release %q: %w", version, notFound(err))
	}
	return r, nil
}

// ReleaseVersions lists up to MaxListedReleases of the organization's
// release versions, newest first: those of any of projectIDs (all when
// nil), or among also, whose version contains query, ignoring case.
func (db *DB) ReleaseVersions(ctx context.Context, orgID int64, projectIDs []int64, also []string, query string) ([]ReleaseVersion, error) {
	rows, err := db.pool.Query(ctx, `SELECT r.version, r.created_at FROM releases r
		WHERE r.organization_id = $1
		AND ($2::bigint[] IS NULL OR r.version = ANY($3)
			OR EXISTS (SELECT 1 FROM release_projects rp WHERE rp.release_id = r.id AND rp.project_id = ANY($2)))
		AND ($4 = '' OR strpos(lower(r.version), lower($4)) > 0)
		ORDER BY r.created_at DESC, r.id DESC LIMIT $5`, orgID, projectIDs, also, query, MaxListedReleases)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ReleaseVersion])
	if err != nil {
		return nil, fmt.Errorf("read releases: %w", err)
	}
	return out, nil
}

// CreateRelease creates a release, or adds the projects (and sets the
// commits, when given) of one that exists; created says which.
func (db *DB) CreateRelease(ctx context.Context, orgID int64, nr NewRelease) (r Release, created bool, err error) {
	if err := ValidReleaseVersion(nr.Version); err != nil {
		return r, false, err
	}
	for field, s := range map[string]string{"ref": nr.Ref, "url": nr.URL} {
		if err := validReleaseText(field, s); err != nil {
			return r, false, err
		}
	}
	if nr.Commits != nil {
		if err := validCommits(*nr.Commits); err != nil {
			return r, false, err
		}
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO releases (organization_id, version, ref, url, date_released) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (organization_id, version) DO NOTHING RETURNING id`, orgID, nr.Version, nr.Ref, nr.URL, nr.DateReleased).Scan(&id)
		created = err == nil
		if errors.Is(err, pgx.ErrNoRows) {
			err = tx.QueryRow(ctx, `SELECT id FROM releases WHERE organization_id = $1 AND version = $2`, orgID, nr.Version).Scan(&id)
		}
		if err != nil {
			return err
		}
		return changeRelease(ctx, tx, orgID, id, ReleaseChanges{ProjectIDs: nr.ProjectIDs, Commits: nr.Commits})
	})
	if err != nil {
		return r, false, fmt.Errorf("create release %q: %w", nr.Version, err)
	}
	r, err = db.Release(ctx, orgID, nr.Version)
	return r, created, err
}

// UpdateRelease applies changes to a release of the organization, or
// answers ErrNotFound.
func (db *DB) UpdateRelease(ctx context.Context, orgID int64, version string, ch ReleaseChanges) (Release, error) {
	for field, s := range map[string]*string{"ref": ch.Ref, "url": ch.URL} {
		if s == nil {
			continue
		}
		if err := validReleaseText(field, *s); err != nil {
			return Release{}, err
		}
	}
	if ch.Commits != nil {
		if err := validCommits(*ch.Commits); err != nil {
			return Release{}, err
		}
	}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE releases SET ref = coalesce($3, ref), url = coalesce($4, url),
			date_released = CASE WHEN $5 THEN $6 ELSE date_released END
			WHERE organization_id = $1 AND version = $2 RETURNING id`,
			orgID, version, ch.Ref, ch.URL, ch.SetDateReleased, ch.DateReleased).Scan(&id)
		if err != nil {
			return notFound(err)
		}
		return changeRelease(ctx, tx, orgID, id, ch)
	})
	if err != nil {
		return Release{}, fmt.Errorf("update release %q: %w", version, err)
	}
	return db.Release(ctx, orgID, version)
}

// changeRelease adds projects to a release and replaces its commits.
func changeRelease(ctx context.Context, tx pgx.Tx, orgID, releaseID int64, ch ReleaseChanges) error {
	if len(ch.ProjectIDs) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO release_projects (release_id, project_id)
			SELECT $1, id FROM projects WHERE organization_id = $2 AND id = ANY($3)
			ON CONFLICT DO NOTHING`, releaseID, orgID, ch.ProjectIDs); err != nil {
			return fmt.Errorf("add projects: %w", err)
		}
	}
	if ch.Commits != nil {
		return setCommits(ctx, tx, releaseID, *ch.Commits)
	}
	return nil
}

// DeleteRelease deletes a release with its deploys and commits, or answers
// ErrNotFound. Events and issues that name the version keep it.
func (db *DB) DeleteRelease(ctx context.Context, orgID int64, version string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM releases WHERE organization_id = $1 AND version = $2`, orgID, version)
	if err != nil {
		return fmt.Errorf("delete release %q: %w", version, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete release %q: %w", version, ErrNotFound)
	}
	return nil
}

// NewIssueCounts counts, per version, the issues of the projects whose
// first event carried that release.
func (db *DB) NewIssueCounts(ctx context.Context, projectIDs []int64, versions []string) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT first_release, count(*) FROM issues
		WHERE project_id = ANY($1) AND first_release = ANY($2) GROUP BY first_release`, projectIDs, versions)
	if err != nil {
		return nil, fmt.Errorf("count new issues of releases: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var v string
		var n int
		if err := rows.Scan(&v, &n); err != nil {
			return nil, fmt.Errorf("read new issues of releases: %w", err)
		}
		out[v] = n
	}
	return out, rows.Err()
}
