package frontend

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/faultline/faultline/ingest/artifact"
	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/ingest/promreg"
	"github.com/faultline/faultline/metadata"
	"github.com/prometheus/client_golang/prometheus"
)

// The chunk upload protocol's numbers, as GET chunk-upload/ tells clients.
const (
	chunkSize        = 8 << 20
	chunksPerRequest = 64
	// maxChunkRequest is the most chunk bytes (decompressed) one request
	// carries. sentry-cli batches chunks up to it by their raw size, so with
	// its multipart framing a request stays under the server's body limit
	// (the ingest envelope limit, 20 MiB, plus 1 MiB).
	maxChunkRequest = 16 << 20
	// concurrentAssemblies bounds the bundles held in memory at once; an
	// assembly that finds no slot within assembleWait answers "created" and
	// the client polls again.
	concurrentAssemblies = 2
	assembleWait         = 5 * time.Second
	// assembleStale is when an assembly left "assembling" (by a process that
	// stopped) may be taken over; assembleErrorTTL is how long a failure is
	// answered before the same checksum is tried anew.
	assembleStale    = 5 * time.Minute
	assembleErrorTTL = 10 * time.Minute
	// assembleTimeout bounds one assembly's reads, writes and checks.
	assembleTimeout = 2 * time.Minute
)

// maxBundleChunks is the most chunks a bundle within the size limit has.
var maxBundleChunks = int((artifact.DefaultLimits.MaxBundleBytes + chunkSize - 1) / chunkSize)

func chunkKey(orgID int64, sum string) string {
	return fmt.Sprintf("artifacts/%d/chunks/%s", orgID, sum)
}
func bundleKey(orgID int64, sum string) string {
	return fmt.Sprintf("artifacts/%d/bundles/%s.zip", orgID, sum)
}

// assembler joins uploaded chunks into artifact bundles, checks them, keeps
// them in the blob store and indexes them.
type assembler struct {
	db     *metadata.DB
	blobs  blob.Store
	limits artifact.Limits
	slots  chan struct{}
	// outcomes counts chunks stored and refused, and assemblies by result.
	outcomes *prometheus.CounterVec
	log      *slog.Logger
}

func newAssembler(db *metadata.DB, blobs blob.Store, reg prometheus.Registerer, log *slog.Logger) *assembler {
	outcomes := promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_artifact_uploads_total",
		Help: "Source map uploads: chunks stored or refused, bundles assembled, refused (error), too large, or put off (busy)."},
		[]string{"outcome"}))
	return &assembler{db: db, blobs: blobs, limits: artifact.DefaultLimits, slots: make(chan struct{}, concurrentAssemblies),
		outcomes: outcomes, log: log}
}

func (as *assembler) count(outcome string) { as.outcomes.WithLabelValues(outcome).Inc() }

// assembleRequest is one assemble call, checked.
type assembleRequest struct {
	orgID      int64
	checksum   string
	chunks     []string
	projectIDs []int64
	release    string
	dist       string
}

// assembleAnswer is sentry-cli's AssembleArtifactsResponse.
type assembleAnswer struct {
	State         string   `json:"state"`
	MissingChunks []string `json:"missingChunks"`
	Detail        *string  `json:"detail"`
}

func assembled(state, detail string, missing ...string) assembleAnswer {
	a := assembleAnswer{State: state, MissingChunks: missing}
	if a.MissingChunks == nil {
		a.MissingChunks = []string{}
	}
	if detail != "" {
		a.Detail = &detail
	}
	return a
}

// assemble answers where the bundle stands and, when every chunk is there
// and no one else is at it, assembles it before answering.
func (as *assembler) assemble(ctx context.Context, req assembleRequest) (assembleAnswer, error) {
	st, err := as.db.GetAssembleStatus(ctx, req.orgID, req.checksum)
	switch {
	case err == nil && st.State == metadata.AssembleOK:
		return assembled(metadata.AssembleOK, ""), as.db.AddBundleProjects(ctx, req.orgID, req.checksum, req.projectIDs)
	case err == nil && st.State == metadata.AssembleError && time.Since(st.UpdatedAt) < assembleErrorTTL:
		return assembled(st.State, st.Detail), nil
	case err == nil && st.State != metadata.AssembleError && time.Since(st.UpdatedAt) < assembleStale:
		return assembled(st.State, ""), nil
	case err != nil && !errors.Is(err, metadata.ErrNotFound):
		return assembleAnswer{}, err
	}
	if len(req.chunks) == 0 { // a poll for something never started
		return assembled("not_found", ""), nil
	}
	missing, err := as.missing(ctx, req.orgID, req.chunks)
	if err != nil || len(missing) > 0 {
		return assembled("not_found", "", missing...), err
	}

	wait, cancel := context.WithTimeout(ctx, assembleWait)
	defer cancel()
	select {
	case as.slots <- struct{}{}:
		defer func() { <-as.slots }()
	case <-wait.Done():
		as.count("assemble_busy")
		return assembled(metadata.AssembleCreated, ""), nil
	}
	claimed, err := as.db.ClaimAssemble(ctx, req.orgID, req.checksum, assembleStale, assembleErrorTTL)
	if err != nil {
		return assembleAnswer{}, err
	}
	if !claimed { // another request got there first
		st, err := as.db.GetAssembleStatus(ctx, req.orgID, req.checksum)
		if err != nil {
			return assembleAnswer{}, err
		}
		return assembled(st.State, st.Detail), nil
	}

	work, stop := context.WithTimeout(context.WithoutCancel(ctx), assembleTimeout)
	defer stop()
	detail, err := as.build(work, req)
	if err != nil {
		if ferr := as.db.ForgetAssemble(work, req.orgID, req.checksum); ferr != nil {
			as.log.Error("an assembly that failed could not be forgotten", "checksum", req.checksum, "err", ferr)
		}
		return assembleAnswer{}, err
	}
	if detail == "" {
		as.count("bundle_ok")
	}
	if detail != "" {
		as.count("bundle_error")
		as.deleteChunks(work, req.orgID, req.chunks)
		return assembled(metadata.AssembleError, detail), as.db.FailAssemble(work, req.orgID, req.checksum, detail)
	}
	return assembled(metadata.AssembleOK, ""), nil
}

// missing returns the chunks not in the blob store, each once, in order.
func (as *assembler) missing(ctx context.Context, orgID int64, chunks []string) ([]string, error) {
	var out []string
	seen := make(map[string]bool, len(chunks))
	for _, sum := range chunks {
		if seen[sum] {
			continue
		}
		seen[sum] = true
		r, err := as.blobs.Open(ctx, chunkKey(orgID, sum))
		if errors.Is(err, blob.ErrNotFound) {
			out = append(out, sum)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("look for chunk %s: %w", sum, err)
		}
		r.Close()
	}
	return out, nil
}

// build assembles, checks and stores the bundle. A bundle refused is a
// detail for the client, not an error; errors are the server's faults.
func (as *assembler) build(ctx context.Context, req assembleRequest) (detail string, err error) {
	var buf bytes.Buffer
	for _, sum := range req.chunks {
		r, err := as.blobs.Open(ctx, chunkKey(req.orgID, sum))
		if errors.Is(err, blob.ErrNotFound) {
			return fmt.Sprintf("chunk %s is no longer stored; upload the files again", sum), nil
		}
		if err != nil {
			return "", fmt.Errorf("open chunk %s: %w", sum, err)
		}
		_, err = buf.ReadFrom(io.LimitReader(r, as.limits.MaxBundleBytes+1-int64(buf.Len())))
		r.Close()
		if err != nil {
			return "", fmt.Errorf("read chunk %s: %w", sum, err)
		}
		if int64(buf.Len()) > as.limits.MaxBundleBytes {
			return fmt.Sprintf("the bundle is over the limit of %d bytes (%d MiB)", as.limits.MaxBundleBytes, as.limits.MaxBundleBytes>>20), nil
		}
	}
	data := buf.Bytes()
	if sum := sha1.Sum(data); hex.EncodeToString(sum[:]) != req.checksum {
		return fmt.Sprintf("the chunks join into a file whose SHA-1 is %x, not the checksum %s", sum, req.checksum), nil
	}
	b, err := artifact.Read(bytes.NewReader(data), int64(len(data)), as.limits)
	var invalid *artifact.InvalidError
	if errors.As(err, &invalid) {
		return invalid.Error(), nil
	}
	if err != nil {
		return "", fmt.Errorf("read bundle %s: %w", req.checksum, err)
	}
	key := bundleKey(req.orgID, req.checksum)
	if err := as.blobs.Put(ctx, key, data); err != nil {
		return "", fmt.Errorf("store bundle %s: %w", req.checksum, err)
	}
	nb := metadata.NewArtifactBundle{OrgID: req.orgID, Checksum: req.checksum, BundleID: b.DebugID, BlobKey: key,
		Release: req.release, Dist: req.dist, ProjectIDs: req.projectIDs, Size: int64(len(data)), Files: make([]metadata.BundleFile, len(b.Files))}
	if nb.Release == "" { // sentry-cli writes both into the manifest too
		nb.Release, nb.Dist = b.Release, b.Dist
	}
	for i, f := range b.Files {
		nb.Files[i] = metadata.BundleFile{Path: f.Path, Kind: f.Kind, URL: f.URL, DebugID: f.DebugID, Headers: f.Headers, Size: f.Size}
	}
	if _, err := as.db.SaveArtifactBundle(ctx, nb); err != nil {
		return "", err
	}
	as.deleteChunks(ctx, req.orgID, req.chunks)
	return "", nil
}

// deleteChunks removes chunks once assembled; one left behind is swept
// later (actors.ChunkSweeper).
func (as *assembler) deleteChunks(ctx context.Context, orgID int64, chunks []string) {
	var deleted []string
	for _, sum := range chunks {
		if err := as.blobs.Delete(ctx, chunkKey(orgID, sum)); err != nil {
			as.log.Warn("an assembled chunk could not be deleted", "chunk", sum, "err", err)
			continue
		}
		deleted = append(deleted, sum)
	}
	if err := as.db.ForgetChunks(ctx, orgID, deleted); err != nil {
		as.log.Warn("deleted chunks could not be forgotten", "err", err)
	}
}
