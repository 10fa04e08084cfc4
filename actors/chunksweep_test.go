package actors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// Chunks uploaded and never assembled are deleted once older than the
// sweeper's age, and only those.
func TestChunkSweeper(t *testing.T) {
	db := metadatatest.Open(t)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := metadatatest.Project(t, db, "secret")
	const old, fresh = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	key := func(sum string) string { return fmt.Sprintf("artifacts/%d/chunks/%s", p.OrganizationID, sum) }
	for _, sum := range []string{old, fresh} {
		if err := blobs.Put(ctx, key(sum), []byte(sum)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RecordChunks(ctx, p.OrganizationID, []string{old}); err != nil {
		t.Fatal(err)
	}
	cutoff := time.Now()
	time.Sleep(50 * time.Millisecond) // PostgreSQL's now() must pass the cutoff
	if err := db.RecordChunks(ctx, p.OrganizationID, []string{fresh}); err != nil {
		t.Fatal(err)
	}
	sweeper := NewChunkSweeper(db, blobs, time.Hour, time.Since(cutoff), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := sweeper.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := blobs.Open(ctx, key(old)); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("the abandoned chunk is still stored: %v", err)
	}
	r, err := blobs.Open(ctx, key(fresh))
	if err != nil {
		t.Fatalf("the fresh chunk was swept: %v", err)
	}
	r.Close()
	stale, err := db.StaleChunks(ctx, time.Now().Add(time.Hour), 10)
	if err != nil || len(stale) == 0 {
		t.Fatalf("stale chunks %v %v", stale, err)
	}
	for _, c := range stale {
		if c.OrgID == p.OrganizationID && c.Checksum == old {
			t.Errorf("the swept chunk is still noted")
		}
	}
}
