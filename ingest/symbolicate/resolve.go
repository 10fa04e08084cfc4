package symbolicate

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sourcemap/sourcemap"
)

// Why a frame stayed unmapped, as the event's frame data says it.
const (
	reasonNoBundle        = "no_bundle"         // nothing uploaded for the frame's file
	reasonNoSourcemap     = "no_sourcemap"      // the minified file, but not its map
	reasonLineOutOfRange  = "line_out_of_range" // the map has nothing at the frame's position
	reasonInvalidMap      = "invalid_sourcemap" // the map is not a readable source map
	resolvedWithDebugID   = "debug-id"
	resolvedWithRelease   = "release"
	resolvedWithMapURL    = "sourcemap-url" // an inline data: URL in the minified file
	weightOfFailure       = 256             // a failure's cache weight: its key and struct
	maxSourceMappingLabel = 64              // how much of a data: URL the frame data quotes
)

// resolution is what a frame's file resolved to: a parsed map, or the
// reason there is none. transient marks a failure of the Source itself
// (a timeout, a database error): it is neither cached nor reported.
type resolution struct {
	m            *sourceMap
	reason       string
	resolvedWith string
	label        string    // the map's URL or debug id
	expires      time.Time // failures only
	weight       int64
	transient    error
	invalid      error // why the map could not be read, for the log
}

func failed(reason, resolvedWith, label string) *resolution {
	return &resolution{reason: reason, resolvedWith: resolvedWith, label: label, weight: weightOfFailure}
}

// lookup finds the map of one frame's file within an event.
type lookup struct {
	s         *Symbolicator
	projectID int64
	release   string
	dist      string
	images    map[string]string      // code_file → debug id, of the event's source map images
	seen      map[string]*resolution // by file, this event's answers so far
}

// resolve finds the map for a frame whose file is absPath: by the debug id
// the event names for that file, else by release, dist and URL. Frames of
// one file share the answer within the event.
func (l *lookup) resolve(ctx context.Context, absPath string) *resolution {
	if r, ok := l.seen[absPath]; ok {
		return r
	}
	r := l.find(ctx, absPath)
	l.seen[absPath] = r
	return r
}

func (l *lookup) find(ctx context.Context, absPath string) *resolution {
	// What is found may be cached for much longer than the event lives,
	// and an event's strings share its whole payload's memory
	// (event.Parse): the path and the debug id are copied, so that a
	// cached label or map does not keep the payload.
	absPath = strings.Clone(absPath)
	if id := strings.Clone(l.images[absPath]); id != "" {
		r := l.cached(ctx, "d\x00"+id, func() *resolution { return l.byDebugID(ctx, id, absPath) })
		if r.m != nil || r.transient != nil || r.reason != reasonNoBundle {
			return r
		}
	}
	if l.release == "" {
		return failed(reasonNoBundle, "", "")
	}
	key := "u\x00" + l.release + "\x00" + l.dist + "\x00" + absPath
	return l.cached(ctx, key, func() *resolution { return l.byRelease(ctx, absPath) })
}

// cached answers from the cache, and only then loads, caching what it
// found (failures for a while, failures of the Source not at all).
func (l *lookup) cached(ctx context.Context, key string, load func() *resolution) *resolution {
	key = strconv.FormatInt(l.projectID, 10) + "\x00" + key
	if r, ok := l.s.cache.get(key, l.s.now()); ok {
		return r
	}
	r := load()
	if r.transient != nil {
		l.s.log.DebugContext(ctx, "source lookup failed", "project", l.projectID, "err", r.transient)
		return r
	}
	if r.m == nil {
		r.expires = l.s.now().Add(l.s.opts.MissTTL)
	}
	if r.invalid != nil {
		l.s.log.DebugContext(ctx, "source map not readable", "project", l.projectID, "sourcemap", r.label, "err", r.invalid)
	}
	l.s.cache.add(key, r)
	return r
}

func (l *lookup) byDebugID(ctx context.Context, id, absPath string) *resolution {
	raw, _, err := l.s.src.ByDebugID(ctx, l.projectID, id, "source_map")
	if r := missing(err, reasonNoBundle, resolvedWithDebugID, id); r != nil {
		return r
	}
	// The minified file names the enclosing functions; without it the
	// frames still map, only with the caller's names.
	minified, _, err := l.s.src.ByDebugID(ctx, l.projectID, id, "minified_source")
	if err != nil {
		minified = nil
	}
	return parse(absPath, raw, minified, resolvedWithDebugID, id)
}

func (l *lookup) byRelease(ctx context.Context, absPath string) *resolution {
	minified, headers, err := l.s.src.ByURL(ctx, l.projectID, l.release, l.dist, absPath)
	if err != nil {
		if r := missing(err, "", "", ""); r.transient != nil {
			return r
		}
		// No minified file: its map may have been uploaded alone.
		return l.mapAt(ctx, absPath, absPath+".map", nil, reasonNoBundle)
	}
	ref := sourceMappingURL(headers, minified)
	if ref == "" {
		return l.mapAt(ctx, absPath, absPath+".map", minified, reasonNoSourcemap)
	}
	if strings.HasPrefix(ref, "data:") {
		raw, err := decodeDataURL(ref)
		label := truncate(ref, maxSourceMappingLabel)
		if err != nil {
			r := failed(reasonInvalidMap, resolvedWithMapURL, label)
			r.invalid = err
			return r
		}
		return parse(absPath, raw, minified, resolvedWithMapURL, label)
	}
	return l.mapAt(ctx, absPath, resolveURL(absPath, ref), minified, reasonNoSourcemap)
}

// mapAt loads the map uploaded as mapURL for the file at absPath; notFound
// is the reason given when there is none.
func (l *lookup) mapAt(ctx context.Context, absPath, mapURL string, minified []byte, notFound string) *resolution {
	raw, _, err := l.s.src.ByURL(ctx, l.projectID, l.release, l.dist, mapURL)
	if r := missing(err, notFound, resolvedWithRelease, mapURL); r != nil {
		if r.reason == reasonNoBundle {
			r.resolvedWith, r.label = "", "" // nothing was found to say how
		}
		return r
	}
	return parse(absPath, raw, minified, resolvedWithRelease, mapURL)
}

// missing turns a Source error into a resolution: reason for not found,
// transient for anything else; nil for no error.
func missing(err error, reason, resolvedWith, label string) *resolution {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return failed(reason, resolvedWith, label)
	}
	return &resolution{transient: err}
}

// parse reads a source map whose sources are relative to absPath.
func parse(absPath string, raw, minified []byte, resolvedWith, label string) *resolution {
	base := absPath
	if strings.HasPrefix(base, "/") {
		// The library resolves sources only against a URL: a Node.js
		// module's path goes in as a file URL (see sourceMap.fromPath).
		base = "file://" + base
	}
	c, err := sourcemap.Parse(base, raw)
	if err != nil {
		r := failed(reasonInvalidMap, resolvedWith, label)
		r.invalid = err
		return r
	}
	m := newSourceMap(c, minified)
	m.fromPath = base != absPath
	// Parsed, a 163 KiB esbuild map with its 43 KiB bundle took 460 KiB of
	// heap (the decoded mappings are larger than their text): about three
	// times the map's bytes plus the bundle's.
	weight := 3*int64(len(raw)) + int64(len(minified)) + weightOfFailure
	return &resolution{m: m, resolvedWith: resolvedWith, label: label, weight: weight}
}

// sourceMappingURL is where a minified file says its map is: the
// SourceMap (or X-SourceMap) header it was uploaded with, else its
// trailing sourceMappingURL comment.
func sourceMappingURL(headers map[string]string, minified []byte) string {
	for _, h := range []string{"sourcemap", "x-sourcemap"} {
		if v := strings.TrimSpace(headers[h]); v != "" {
			return v
		}
	}
	for _, marker := range []string{"//# sourceMappingURL=", "//@ sourceMappingURL="} {
		i := bytes.LastIndex(minified, []byte(marker))
		if i < 0 {
			continue
		}
		rest := minified[i+len(marker):]
		if end := bytes.IndexAny(rest, " \t\r\n"); end >= 0 {
			rest = rest[:end]
		}
		return string(rest)
	}
	return ""
}

// resolveURL resolves ref against base, as a browser would.
func resolveURL(base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

// decodeDataURL returns the bytes of a data: URL, base64 or percent-encoded.
func decodeDataURL(u string) ([]byte, error) {
	meta, data, ok := strings.Cut(strings.TrimPrefix(u, "data:"), ",")
	if !ok {
		return nil, errors.New("data URL without a comma")
	}
	if strings.HasSuffix(meta, ";base64") {
		if b, err := base64.StdEncoding.DecodeString(data); err == nil {
			return b, nil
		}
		return base64.RawStdEncoding.DecodeString(strings.TrimRight(data, "="))
	}
	s, err := url.PathUnescape(data)
	return []byte(s), err
}
