package actors

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/metadata"
)

// ChunkSweeper deletes source map chunks that were uploaded and never
// assembled (a client stopped mid-upload), once they are older than maxAge.
type ChunkSweeper struct {
	db     *metadata.DB
	blobs  blob.Store
	every  time.Duration
	maxAge time.Duration
	log    *slog.Logger
}

// NewChunkSweeper returns a sweeper that looks every interval for chunks
// older than maxAge.
func NewChunkSweeper(db *metadata.DB, blobs blob.Store, every, maxAge time.Duration, log *slog.Logger) *ChunkSweeper {
	return &ChunkSweeper{db: db, blobs: blobs, every: every, maxAge: maxAge, log: log}
}

// Run sweeps until ctx ends.
func (s *ChunkSweeper) Run(ctx context.Context) error {
	return everyTick(ctx, s.every, s.log, "sweeping abandoned chunks failed; retrying later", s.RunOnce)
}

// RunOnce deletes the stale chunks, a thousand at a time.
func (s *ChunkSweeper) RunOnce(ctx context.Context) error {
	cutoff := time.Now().Add(-s.maxAge)
	for {
		stale, err := s.db.StaleChunks(ctx, cutoff, 1000)
		if err != nil || len(stale) == 0 {
			return err
		}
		for _, c := range stale {
			// The blob key is the one the upload handler writes.
			if err := s.blobs.Delete(ctx, fmt.Sprintf("artifacts/%d/chunks/%s", c.OrgID, c.Checksum)); err != nil {
				return err
			}
			if err := s.db.ForgetChunks(ctx, c.OrgID, []string{c.Checksum}); err != nil {
				return err
			}
		}
		s.log.Info("abandoned source map chunks deleted", "chunks", len(stale))
	}
}
