package metadatatest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Release creates the organization's release for the projects, as the
// releases API would, for tests of what hangs off releases.
func Release(t testing.TB, orgID int64, version string, projectIDs ...int64) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, URL(t))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `WITH r AS (INSERT INTO releases (organization_id, version) VALUES ($1, $2)
			ON CONFLICT (organization_id, version) DO UPDATE SET version = EXCLUDED.version RETURNING id)
		INSERT INTO release_projects (release_id, project_id) SELECT r.id, p FROM r, unnest($3::bigint[]) p
		ON CONFLICT DO NOTHING`, orgID, version, projectIDs)
	if err != nil {
		t.Fatalf("create release %s: %v", version, err)
	}
}
