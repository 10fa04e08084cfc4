package metadata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Where an assembly of uploaded chunks stands (sentry-cli's names).
const (
	AssembleCreated    = "created"
	AssembleAssembling = "assembling"
	AssembleOK         = "ok"
	AssembleError      = "error"
)

// ErrDuplicate is returned when a release already has a file of that name.
var ErrDuplicate = errors.New("already exists")

// AssembleStatus is an assembly's state, with what went wrong for "error".
type AssembleStatus struct {
	State     string
	Detail    string
	UpdatedAt time.Time
}

// GetAssembleStatus returns the state of the organization's assembly of
// checksum, or ErrNotFound when none was asked for (or its bundle is gone).
func (db *DB) GetAssembleStatus(ctx context.Context, orgID int64, checksum string) (AssembleStatus, error) {
	var s AssembleStatus
	err := db.pool.QueryRow(ctx, `SELECT a.state, a.detail, a.updated_at FROM artifact_assembles a
		WHERE a.organization_id = $1 AND a.checksum = $2 AND (a.state <> 'ok' OR EXISTS (
			SELECT 1 FROM artifact_bundles b WHERE b.organization_id = a.organization_id AND b.checksum = a.checksum))`,
		orgID, checksum).Scan(&s.State, &s.Detail, &s.UpdatedAt)
	if err != nil {
		return s, fmt.Errorf("assemble status of %s: %w", checksum, notFound(err))
	}
	return s, nil
}

// ClaimAssemble marks the assembly of checksum as under way and reports
// whether the caller now holds it: it does unless another assembly holds it
// (one updated within stale), it is done, or it failed within errorTTL.
func (db *DB) ClaimAssemble(ctx context.Context, orgID int64, checksum string, stale, errorTTL time.Duration) (bool, error) {
	var claimed bool
	err := db.pool.QueryRow(ctx, `INSERT INTO artifact_assembles (organization_id, checksum, state) VALUES ($1, $2, 'assembling')
		ON CONFLICT (organization_id, checksum) DO UPDATE SET state = 'assembling', detail = '', updated_at = now()
		WHERE (artifact_assembles.state IN ('created', 'assembling') AND artifact_assembles.updated_at < now() - make_interval(secs => $3))
		   OR (artifact_assembles.state = 'error' AND artifact_assembles.updated_at < now() - make_interval(secs => $4))
		   OR (artifact_assembles.state = 'ok' AND NOT EXISTS (SELECT 1 FROM artifact_bundles b
				WHERE b.organization_id = $1 AND b.checksum = $2))
		RETURNING true`, orgID, checksum, stale.Seconds(), errorTTL.Seconds()).Scan(&claimed)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim assembly of %s: %w", checksum, err)
	}
	return claimed, nil
}

// FailAssemble records that the assembly of checksum failed, and why.
func (db *DB) FailAssemble(ctx context.Context, orgID int64, checksum, detail string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO artifact_assembles (organization_id, checksum, state, detail) VALUES ($1, $2, 'error', $3)
		ON CONFLICT (organization_id, checksum) DO UPDATE SET state = 'error', detail = EXCLUDED.detail, updated_at = now()`,
		orgID, checksum, detail)
	if err != nil {
		return fmt.Errorf("record failed assembly of %s: %w", checksum, err)
	}
	return nil
}

// ForgetAssemble drops the state of an assembly that stopped for a fault of
// the server, so the client's next try starts afresh.
func (db *DB) ForgetAssemble(ctx context.Context, orgID int64, checksum string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM artifact_assembles WHERE organization_id = $1 AND checksum = $2 AND state <> 'ok'`,
		orgID, checksum)
	if err != nil {
		return fmt.Errorf("forget assembly of %s: %w", checksum, err)
	}
	return nil
}

// NewArtifactBundle is an assembled bundle to index; its bytes are already
// in the blob store under BlobKey.
type NewArtifactBundle struct {
	OrgID      int64
	Checksum   string // SHA-1 of the zip, hex
	BundleID   string // the manifest's debug_id
	BlobKey    string
	Release    string
	Dist       string
	ProjectIDs []int64
	Size       int64
	Files      []BundleFile
}

// BundleFile indexes one file of a bundle.
type BundleFile struct {
	Path    string
	Kind    string
	URL     string
	DebugID string
	Headers map[string]string
	Size    int64
}

// SaveArtifactBundle indexes a bundle and marks its assembly done. A bundle
// the organization already has (same checksum) gains the projects named.
func (db *DB) SaveArtifactBundle(ctx context.Context, b NewArtifactBundle) (int64, error) {
	var id int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var inserted bool
		err := tx.QueryRow(ctx, `INSERT INTO artifact_bundles
			(organization_id, checksum, bundle_id, blob_key, release, dist, project_ids, file_count, size)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (organization_id, checksum) DO UPDATE SET project_ids = ARRAY(
				SELECT DISTINCT unnest(artifact_bundles.project_ids || EXCLUDED.project_ids) ORDER BY 1)
			RETURNING id, xmax = 0`,
			b.OrgID, b.Checksum, b.BundleID, b.BlobKey, b.Release, b.Dist, b.ProjectIDs, len(b.Files), b.Size).Scan(&id, &inserted)
		if err != nil {
			return err
		}
		if inserted {
			rows := make([][]any, len(b.Files))
			for i, f := range b.Files {
				headers := f.Headers
				if headers == nil {
					headers = map[string]string{}
				}
				rows[i] = []any{id, f.Path, f.Kind, f.URL, f.DebugID, headers, f.Size}
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"artifact_bundle_files"},
				[]string{"bundle_id", "path", "kind", "url", "debug_id", "headers", "size"}, pgx.CopyFromRows(rows)); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO artifact_assembles (organization_id, checksum, state) VALUES ($1, $2, 'ok')
			ON CONFLICT (organization_id, checksum) DO UPDATE SET state = 'ok', detail = '', updated_at = now()`, b.OrgID, b.Checksum)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("save artifact bundle %s: %w", b.Checksum, err)
	}
	return id, nil
}

// AddBundleProjects lets more of the organization's projects use the bundle
// with checksum (an identical upload for other projects).
func (db *DB) AddBundleProjects(ctx context.Context, orgID int64, checksum string, projectIDs []int64) error {
	_, err := db.pool.Exec(ctx, `UPDATE artifact_bundles SET project_ids = ARRAY(
			SELECT DISTINCT unnest(project_ids || $3::bigint[]) ORDER BY 1)
		WHERE organization_id = $1 AND checksum = $2 AND NOT project_ids @> $3::bigint[]`, orgID, checksum, projectIDs)
	if err != nil {
		return fmt.Errorf("add projects to bundle %s: %w", checksum, err)
	}
	return nil
}

// ArtifactBundle describes a stored bundle.
type ArtifactBundle struct {
	ID         int64
	Checksum   string
	BundleID   string
	Release    string
	Dist       string
	ProjectIDs []int64
	FileCount  int
	Size       int64
	DebugIDs   []string // up to 100
	CreatedAt  time.Time
}

// ListArtifactBundles returns the project's bundles, newest first.
func (db *DB) ListArtifactBundles(ctx context.Context, orgID, projectID int64, limit int) ([]ArtifactBundle, error) {
	rows, err := db.pool.Query(ctx, `SELECT b.id, b.checksum, b.bundle_id, b.release, b.dist, b.project_ids, b.file_count,
			b.size, ARRAY(SELECT DISTINCT f.debug_id FROM artifact_bundle_files f
				WHERE f.bundle_id = b.id AND f.debug_id <> '' ORDER BY 1 LIMIT 100), b.created_at
		FROM artifact_bundles b WHERE b.organization_id = $1 AND $2 = ANY(b.project_ids)
		ORDER BY b.created_at DESC, b.id DESC LIMIT $3`, orgID, projectID, limit)
	if err != nil {
		return nil, fmt.Errorf("list artifact bundles: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ArtifactBundle, error) {
		var b ArtifactBundle
		err := r.Scan(&b.ID, &b.Checksum, &b.BundleID, &b.Release, &b.Dist, &b.ProjectIDs, &b.FileCount, &b.Size, &b.DebugIDs, &b.CreatedAt)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("list artifact bundles: %w", err)
	}
	return out, nil
}

// RecordChunks notes that chunks were uploaded (again) now.
func (db *DB) RecordChunks(ctx context.Context, orgID int64, checksums []string) error {
	if len(checksums) == 0 {
		return nil
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO artifact_chunks (organization_id, checksum) SELECT $1, unnest($2::text[])
		ON CONFLICT (organization_id, checksum) DO UPDATE SET uploaded_at = now()`, orgID, checksums)
	if err != nil {
		return fmt.Errorf("record chunks: %w", err)
	}
	return nil
}

// ForgetChunks drops the note of chunks whose blobs were deleted.
func (db *DB) ForgetChunks(ctx context.Context, orgID int64, checksums []string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM artifact_chunks WHERE organization_id = $1 AND checksum = ANY($2::text[])`, orgID, checksums)
	if err != nil {
		return fmt.Errorf("forget chunks: %w", err)
	}
	return nil
}

// StaleChunk is a chunk uploaded before a sweep's cutoff.
type StaleChunk struct {
	OrgID    int64
	Checksum string
}

// StaleChunks returns up to limit chunks uploaded before cutoff, oldest
// first.
func (db *DB) StaleChunks(ctx context.Context, cutoff time.Time, limit int) ([]StaleChunk, error) {
	rows, err := db.pool.Query(ctx, `SELECT organization_id, checksum FROM artifact_chunks WHERE uploaded_at < $1
		ORDER BY uploaded_at LIMIT $2`, cutoff, limit)
	if err != nil {
		return nil, fmt.Errorf("find stale chunks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StaleChunk, error) {
		var c StaleChunk
		return c, r.Scan(&c.OrgID, &c.Checksum)
	})
	if err != nil {
		return nil, fmt.Errorf("find stale chunks: %w", err)
	}
	return out, nil
}
