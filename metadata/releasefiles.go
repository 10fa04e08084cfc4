package metadata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// StoredFile is where an uploaded file's bytes are: the whole blob under
// BlobKey (a release file), or the entry Path of the bundle zip there.
type StoredFile struct {
	BlobKey string
	Path    string // "" for a release file
	Headers map[string]string
	Size    int64
}

// BundleFileByDebugID finds the newest file of kind with the debug id in a
// bundle of the project's organization that names the project.
func (db *DB) BundleFileByDebugID(ctx context.Context, projectID int64, debugID, kind string) (StoredFile, error) {
	var f StoredFile
	err := db.pool.QueryRow(ctx, `SELECT b.blob_key, f.path, f.headers, f.size
		FROM artifact_bundle_files f JOIN artifact_bundles b ON b.id = f.bundle_id
		JOIN projects p ON p.id = $1 AND p.organization_id = b.organization_id
		WHERE f.debug_id = $2 AND f.kind = $3 AND $1 = ANY(b.project_ids)
		ORDER BY b.created_at DESC, b.id DESC LIMIT 1`, projectID, debugID, kind).Scan(&f.BlobKey, &f.Path, &f.Headers, &f.Size)
	if err != nil {
		return f, fmt.Errorf("file with debug id %s: %w", debugID, notFound(err))
	}
	return f, nil
}

// FileByURL finds the file uploaded for the release and dist under the
// first of urls that has one: in the project's bundles (newest first), then
// among the release's files.
func (db *DB) FileByURL(ctx context.Context, projectID int64, release, dist string, urls []string) (StoredFile, error) {
	var f StoredFile
	err := db.pool.QueryRow(ctx, `WITH p AS (SELECT organization_id FROM projects WHERE id = $1)
		SELECT blob_key, path, headers, size FROM (
			SELECT b.blob_key, f.path, f.headers, f.size, array_position($4::text[], f.url) AS rank, 0 AS source,
				b.created_at, b.id
			FROM artifact_bundle_files f JOIN artifact_bundles b ON b.id = f.bundle_id JOIN p ON p.organization_id = b.organization_id
			WHERE b.release = $2 AND b.dist = $3 AND $1 = ANY(b.project_ids) AND f.url = ANY($4::text[])
			UNION ALL
			SELECT r.blob_key, '', r.headers, r.size, array_position($4::text[], r.name), 1, r.created_at, r.id
			FROM release_files r JOIN p ON p.organization_id = r.organization_id
			WHERE r.release = $2 AND r.dist = $3 AND r.name = ANY($4::text[])
		) found ORDER BY rank, source, created_at DESC, id DESC LIMIT 1`,
		projectID, release, dist, urls).Scan(&f.BlobKey, &f.Path, &f.Headers, &f.Size)
	if err != nil {
		return f, fmt.Errorf("file for %v in release %s: %w", urls, release, notFound(err))
	}
	return f, nil
}

// ReleaseFile is a file uploaded on its own to a release.
type ReleaseFile struct {
	ID        int64
	Release   string
	Dist      string
	Name      string
	BlobKey   string
	Headers   map[string]string
	Size      int64
	SHA1      string
	CreatedAt time.Time
}

// ReleaseExists reports whether the organization has the release.
func (db *DB) ReleaseExists(ctx context.Context, orgID int64, version string) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM releases WHERE organization_id = $1 AND version = $2)`,
		orgID, version).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("find release %s: %w", version, err)
	}
	return ok, nil
}

// ReleaseProjectIDs returns the projects of the organization's release.
func (db *DB) ReleaseProjectIDs(ctx context.Context, orgID int64, version string) ([]int64, error) {
	var ids []int64
	err := db.pool.QueryRow(ctx, `SELECT ARRAY(SELECT rp.project_id FROM release_projects rp
		JOIN releases r ON r.id = rp.release_id WHERE r.organization_id = $1 AND r.version = $2 ORDER BY 1)`,
		orgID, version).Scan(&ids)
	if err != nil {
		return nil, fmt.Errorf("projects of release %s: %w", version, err)
	}
	return ids, nil
}

// AddReleaseFile indexes a file of a release; its bytes are in the blob
// store already. A name the release (and dist) has is ErrDuplicate.
func (db *DB) AddReleaseFile(ctx context.Context, orgID int64, f ReleaseFile) (ReleaseFile, error) {
	if f.Headers == nil {
		f.Headers = map[string]string{}
	}
	err := db.pool.QueryRow(ctx, `INSERT INTO release_files (organization_id, release, dist, name, blob_key, headers, size, sha1)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (organization_id, release, dist, name) DO NOTHING
		RETURNING id, created_at`, orgID, f.Release, f.Dist, f.Name, f.BlobKey, f.Headers, f.Size, f.SHA1).Scan(&f.ID, &f.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, fmt.Errorf("file %s of release %s: %w", f.Name, f.Release, ErrDuplicate)
	}
	if err != nil {
		return f, fmt.Errorf("add file %s to release %s: %w", f.Name, f.Release, err)
	}
	return f, nil
}

// ReleaseFiles lists the files uploaded to a release, by name.
func (db *DB) ReleaseFiles(ctx context.Context, orgID int64, version string) ([]ReleaseFile, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, release, dist, name, blob_key, headers, size, sha1, created_at
		FROM release_files WHERE organization_id = $1 AND release = $2 ORDER BY name, dist LIMIT 10000`, orgID, version)
	if err != nil {
		return nil, fmt.Errorf("list release files: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReleaseFile, error) {
		var f ReleaseFile
		err := r.Scan(&f.ID, &f.Release, &f.Dist, &f.Name, &f.BlobKey, &f.Headers, &f.Size, &f.SHA1, &f.CreatedAt)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("list release files: %w", err)
	}
	return out, nil
}

// ReleaseFileCounts returns, per version, how many files were uploaded for
// it: its release files and the files of bundles uploaded for it. Versions
// without files are absent.
func (db *DB) ReleaseFileCounts(ctx context.Context, orgID int64, versions []string) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT release, sum(n)::bigint FROM (
			SELECT release, count(*) AS n FROM release_files WHERE organization_id = $1 AND release = ANY($2::text[]) GROUP BY release
			UNION ALL
			SELECT release, sum(file_count) FROM artifact_bundles WHERE organization_id = $1 AND release = ANY($2::text[]) GROUP BY release
		) c GROUP BY release`, orgID, versions)
	if err != nil {
		return nil, fmt.Errorf("count release files: %w", err)
	}
	out := make(map[string]int, len(versions))
	var version string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&version, &n}, func() error {
		out[version] = int(n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count release files: %w", err)
	}
	return out, nil
}
