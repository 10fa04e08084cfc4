package actors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"

	"github.com/faultline/faultline/ingest/artifact"
	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/metadata"
)

// SourceFiles finds uploaded source maps and scripts for symbolication: in
// artifact bundles (by debug id, or by release, dist and URL) and among
// files uploaded to a release. Only the file asked for is read out of its
// bundle. Not found is an error wrapping fs.ErrNotExist.
type SourceFiles struct {
	db           *metadata.DB
	blobs        blob.Store
	maxFileBytes int64
	maxBlobBytes int64
}

// NewSourceFiles returns a SourceFiles reading the index in db and the
// bytes in blobs.
func NewSourceFiles(db *metadata.DB, blobs blob.Store) *SourceFiles {
	return &SourceFiles{db: db, blobs: blobs, maxFileBytes: artifact.DefaultLimits.MaxFileBytes,
		maxBlobBytes: artifact.DefaultLimits.MaxBundleBytes}
}

// ByDebugID returns the file of kind ("source_map", "minified_source")
// carrying the debug id, from the newest bundle of the project's
// organization that names the project.
func (s *SourceFiles) ByDebugID(ctx context.Context, projectID int64, debugID, kind string) ([]byte, map[string]string, error) {
	id, ok := artifact.NormalizeDebugID(debugID)
	if !ok {
		return nil, nil, fmt.Errorf("debug id %q is not a UUID: %w", debugID, fs.ErrNotExist)
	}
	f, err := s.db.BundleFileByDebugID(ctx, projectID, id, kind)
	if err != nil {
		return nil, nil, notExist(err)
	}
	return s.read(ctx, f)
}

// ByURL returns the file uploaded for release and dist (dist may be "")
// whose URL is rawURL: an exact match first, then one without the query
// string, then an entry stored as "~/path" for rawURL's path on any host
// (a bare absolute path, as Node frames have, counts as one).
func (s *SourceFiles) ByURL(ctx context.Context, projectID int64, release, dist, rawURL string) ([]byte, map[string]string, error) {
	f, err := s.db.FileByURL(ctx, projectID, release, dist, urlCandidates(rawURL))
	if err != nil {
		return nil, nil, notExist(err)
	}
	return s.read(ctx, f)
}

// urlCandidates are the names a file served at raw may have been uploaded
// under, best first.
func urlCandidates(raw string) []string {
	out := []string{raw}
	add := func(s string) {
		for _, have := range out {
			if have == s {
				return
			}
		}
		out = append(out, s)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	query := ""
	if u.RawQuery != "" {
		query = "?" + u.RawQuery
	}
	plain := *u
	plain.RawQuery, plain.Fragment, plain.RawFragment = "", "", ""
	add(plain.String())
	if path := u.EscapedPath(); len(path) > 0 && path[0] == '/' {
		add("~" + path + query)
		add("~" + path)
	}
	return out
}

func notExist(err error) error {
	if errors.Is(err, metadata.ErrNotFound) {
		return fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	return err
}

// read returns a stored file's bytes: the whole blob of a release file, or
// one entry of a bundle's zip.
func (s *SourceFiles) read(ctx context.Context, f metadata.StoredFile) ([]byte, map[string]string, error) {
	r, err := s.blobs.Open(ctx, f.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, nil, fmt.Errorf("blob %s is gone: %w", f.BlobKey, fs.ErrNotExist)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", f.BlobKey, err)
	}
	defer r.Close()
	if f.Path == "" {
		content, err := io.ReadAll(io.LimitReader(r, s.maxFileBytes+1))
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", f.BlobKey, err)
		}
		if int64(len(content)) > s.maxFileBytes {
			return nil, nil, fmt.Errorf("%s is over %d bytes", f.BlobKey, s.maxFileBytes)
		}
		return content, f.Headers, nil
	}
	zipData, size, err := s.readerAt(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read bundle %s: %w", f.BlobKey, err)
	}
	content, err := artifact.ReadFile(zipData, size, f.Path, s.maxFileBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", f.BlobKey, err)
	}
	return content, f.Headers, nil
}

// readerAt reads a bundle in place when the store gives a file (the
// directory store does), and into memory otherwise.
func (s *SourceFiles) readerAt(r io.Reader) (io.ReaderAt, int64, error) {
	if f, ok := r.(interface {
		io.ReaderAt
		Stat() (fs.FileInfo, error)
	}); ok {
		info, err := f.Stat()
		if err != nil {
			return nil, 0, err
		}
		return f, info.Size(), nil
	}
	data, err := io.ReadAll(io.LimitReader(r, s.maxBlobBytes+1))
	if err != nil {
		return nil, 0, err
	}
	if int64(len(data)) > s.maxBlobBytes {
		return nil, 0, fmt.Errorf("over %d bytes", s.maxBlobBytes)
	}
	return bytes.NewReader(data), int64(len(data)), nil
}
