// Package artifact reads artifact bundles: the zip archives with a
// manifest.json that sentry-cli uploads to carry minified JavaScript and its
// source maps. It checks a bundle before Faultline keeps it, and reads single
// files out of a kept one, within limits that make a hostile archive (a zip
// bomb, a million entries) cost no more than an honest one.
package artifact

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// File kinds, as the manifest names them.
const (
	KindSource           = "source"
	KindMinifiedSource   = "minified_source"
	KindSourceMap        = "source_map"
	KindIndexedRAMBundle = "indexed_ram_bundle"
)

// Limits bound what a bundle may hold.
type Limits struct {
	MaxBundleBytes int64 // the assembled zip
	MaxFiles       int   // entries in the manifest (and, with some slack, in the zip)
	MaxFileBytes   int64 // one file, decompressed
	MaxTotalBytes  int64 // every file, decompressed
}

// DefaultLimits are generous for a large web application: its biggest source
// maps are tens of MiB.
var DefaultLimits = Limits{MaxBundleBytes: 100 << 20, MaxFiles: 20_000, MaxFileBytes: 64 << 20, MaxTotalBytes: 1 << 30}

// maxManifestBytes bounds manifest.json, decompressed.
const maxManifestBytes = 32 << 20

// File is one file of a bundle.
type File struct {
	Path    string            // its entry in the zip
	Kind    string            // one of the Kind constants
	URL     string            // where it is served, "~/path" for any host
	DebugID string            // lowercase hyphenated UUID, or ""
	Headers map[string]string // with lowercase keys ("sourcemap", "debug-id")
	Size    int64             // decompressed
}

// Bundle is what a bundle's manifest says, checked against its contents.
type Bundle struct {
	DebugID string // the bundle's own id
	Org     string
	Project string
	Release string
	Dist    string
	Files   []File // sorted by Path
}

// InvalidError is a bundle Faultline refuses; its message says why, for the
// client that uploaded it.
type InvalidError struct{ msg string }

func (e *InvalidError) Error() string { return e.msg }

func invalid(format string, args ...any) error {
	return &InvalidError{msg: fmt.Sprintf(format, args...)}
}

type manifest struct {
	Files   map[string]manifestFile `json:"files"`
	DebugID string                  `json:"debug_id"`
	Org     string                  `json:"org"`
	Project string                  `json:"project"`
	Release string                  `json:"release"`
	Dist    string                  `json:"dist"`
}

type manifestFile struct {
	Type    string            `json:"type"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
}

// Read checks the bundle in r (size bytes) and returns its manifest: a zip
// with manifest.json whose files are all in the zip, of known kinds, within
// lim, and whose source maps are JSON objects. Debug ids come from the
// "debug-id" header, else from the file itself (a source map's debugId, a
// script's "//# debugId=" comment). Errors about the bundle are
// *InvalidError.
func Read(r io.ReaderAt, size int64, lim Limits) (*Bundle, error) {
	if size > lim.MaxBundleBytes {
		return nil, invalid("the bundle is %d bytes, over the limit of %d bytes", size, lim.MaxBundleBytes)
	}
	zr, err := open(r, size, lim.MaxFiles)
	if err != nil {
		return nil, err
	}
	entries := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		if _, dup := entries[f.Name]; dup {
			return nil, invalid("the bundle holds %s twice", f.Name)
		}
		entries[f.Name] = f
	}
	mf, ok := entries["manifest.json"]
	if !ok {
		return nil, invalid("the bundle has no manifest.json")
	}
	raw, err := readEntry(mf, maxManifestBytes)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, invalid("manifest.json is not a valid manifest: %v", err)
	}
	if len(m.Files) > lim.MaxFiles {
		return nil, invalid("the manifest lists %d files, over the limit of %d", len(m.Files), lim.MaxFiles)
	}
	b := &Bundle{Org: m.Org, Project: m.Project, Release: m.Release, Dist: m.Dist}
	b.DebugID, _ = NormalizeDebugID(m.DebugID)
	var total int64
	for path, info := range m.Files {
		f, err := checkFile(entries, path, info, lim)
		if err != nil {
			return nil, err
		}
		if total += f.Size; total > lim.MaxTotalBytes {
			return nil, invalid("the bundle's files are over %d bytes decompressed", lim.MaxTotalBytes)
		}
		b.Files = append(b.Files, f)
	}
	sort.Slice(b.Files, func(i, j int) bool { return b.Files[i].Path < b.Files[j].Path })
	return b, nil
}

func checkFile(entries map[string]*zip.File, path string, info manifestFile, lim Limits) (File, error) {
	entry, ok := entries[path]
	if !ok || path == "manifest.json" || entry.FileInfo().IsDir() {
		return File{}, invalid("manifest.json lists %s, which is not a file in the bundle", path)
	}
	f := File{Path: path, Kind: info.Type, URL: info.URL, Headers: make(map[string]string, len(info.Headers))}
	switch f.Kind {
	case "":
		f.Kind = KindSource
	case KindSource, KindMinifiedSource, KindSourceMap, KindIndexedRAMBundle:
	default:
		return File{}, invalid("%s has the unknown type %q", path, f.Kind)
	}
	for k, v := range info.Headers {
		f.Headers[strings.ToLower(k)] = v
	}
	f.DebugID, _ = NormalizeDebugID(f.Headers["debug-id"])
	content, err := readEntry(entry, lim.MaxFileBytes)
	if err != nil {
		return File{}, err
	}
	f.Size = int64(len(content))
	switch f.Kind {
	case KindSourceMap:
		id, err := sourceMapDebugID(content)
		if err != nil {
			return File{}, invalid("%s is not a source map: %v", path, err)
		}
		if f.DebugID == "" {
			f.DebugID = id
		}
	case KindSource, KindMinifiedSource:
		if f.DebugID == "" {
			f.DebugID = scriptDebugID(content)
		}
	}
	return f, nil
}

// ReadFile returns the file at path in the bundle in r, refusing one over
// max bytes decompressed. A path the bundle lacks is an error wrapping
// fs.ErrNotExist.
func ReadFile(r io.ReaderAt, size int64, path string, max int64) ([]byte, error) {
	zr, err := open(r, size, -1)
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if f.Name == path {
			return readEntry(f, max)
		}
	}
	return nil, fmt.Errorf("%s in bundle: %w", path, fs.ErrNotExist)
}

// open reads the zip's directory after checking, from its end record, that
// it has no more than maxFiles entries (and some slack for directories), so
// a directory of millions of tiny entries is refused before it is read.
func open(r io.ReaderAt, size int64, maxFiles int) (*zip.Reader, error) {
	if maxFiles >= 0 {
		n, err := entryCount(r, size)
		if err != nil {
			return nil, err
		}
		if n > uint64(maxFiles)*2+16 {
			return nil, invalid("the bundle holds %d entries, over the limit of %d files", n, maxFiles)
		}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, invalid("the bundle is not a valid zip archive: %v", err)
	}
	return zr, nil
}

// readEntry decompresses one entry, refusing it past max bytes whatever its
// header claims.
func readEntry(f *zip.File, max int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(max) {
		return nil, invalid("%s is %d bytes decompressed, over the limit of %d", f.Name, f.UncompressedSize64, max)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, invalid("%s cannot be read: %v", f.Name, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	buf.Grow(int(f.UncompressedSize64))
	n, err := buf.ReadFrom(io.LimitReader(rc, max+1))
	switch {
	case err != nil:
		return nil, invalid("%s cannot be read: %v", f.Name, err)
	case n > max:
		return nil, invalid("%s is over the limit of %d bytes decompressed", f.Name, max)
	}
	return buf.Bytes(), nil
}

var errNoEnd = errors.New("no end of central directory record")
