package symbolicate

import (
	"context"
	"io"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/faultline/faultline/ingest/event"
)

// Options bound a Symbolicator's memory and the time it spends per event.
type Options struct {
	// CacheBytes bounds the parsed maps held, by about the bytes they take;
	// default 256 MiB. CacheEntries bounds their number; default 10,000.
	CacheBytes   int64
	CacheEntries int
	// MissTTL is how long a file without a map is remembered as such,
	// before the Source is asked again; default 1 minute.
	MissTTL time.Duration
	// Timeout bounds the lookups of one event; default 2 s. Frames not
	// reached by then stay as they came.
	Timeout time.Duration
	// MaxFrames bounds the frames looked at per event, the newest first;
	// default 100.
	MaxFrames int
	Logger    *slog.Logger // nil: no logs
}

// Symbolicator maps JavaScript frames through source maps. It is safe for
// concurrent use.
type Symbolicator struct {
	src   Source
	opts  Options
	cache *cache
	log   *slog.Logger
	now   func() time.Time
}

// NewSymbolicator returns a Symbolicator finding maps in src.
func NewSymbolicator(src Source, opts Options) *Symbolicator {
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = 256 << 20
	}
	if opts.CacheEntries <= 0 {
		opts.CacheEntries = 10_000
	}
	if opts.MissTTL <= 0 {
		opts.MissTTL = time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	if opts.MaxFrames <= 0 {
		opts.MaxFrames = 100
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Symbolicator{src: src, opts: opts, cache: newCache(opts.CacheEntries, opts.CacheBytes), log: log, now: time.Now}
}

// Report counts what Symbolicate did with one event's frames.
type Report struct {
	Looked   int  // frames looked at
	Mapped   int  // of which mapped
	Skipped  int  // JavaScript frames not looked at: past MaxFrames or the timeout, or the Source failed
	TimedOut bool // the event's lookups ran out of time
}

// Symbolicate rewrites the JavaScript frames of e's exceptions to their
// original source, keeping the frames as they came in each changed
// exception's RawStacktrace. Every frame looked at gets Data saying what
// became of it. It never fails: what it cannot map stays as it came.
func (s *Symbolicator) Symbolicate(ctx context.Context, projectID int64, e *event.Event) Report {
	var rep Report
	if !hasCandidates(e) {
		return rep
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	l := &lookup{s: s, projectID: projectID, release: e.Release, dist: e.Dist, images: sourceMapImages(e), seen: map[string]*resolution{}}
	budget := s.opts.MaxFrames
	// The outermost exception, crash site first, gets the budget first.
	for i := len(e.Exceptions) - 1; i >= 0; i-- {
		ex := &e.Exceptions[i]
		if ex.Stacktrace == nil || ex.RawStacktrace != nil {
			continue
		}
		frames, mapped, looked := s.frames(ctx, l, e.Platform, ex.Stacktrace.Frames, &budget, &rep)
		switch {
		case mapped:
			ex.RawStacktrace = ex.Stacktrace
			ex.Stacktrace = &event.Stacktrace{Frames: frames}
		case looked:
			ex.Stacktrace.Frames = frames // only their data is new
		}
	}
	if ctx.Err() != nil {
		rep.TimedOut = true
		s.log.DebugContext(ctx, "symbolication ran out of time", "project", projectID, "event", e.EventID, "mapped", rep.Mapped, "skipped", rep.Skipped)
	}
	return rep
}

// frames maps the frames of one stack trace, newest first, and returns the
// rewritten copy, whether any frame was mapped and whether any was looked
// at; the input is left as it came.
func (s *Symbolicator) frames(ctx context.Context, l *lookup, platform string, in []event.Frame, budget *int, rep *Report) (out []event.Frame, mapped, looked bool) {
	out = make([]event.Frame, len(in))
	copy(out, in)
	type hit struct {
		r *resolution // nil: the frame was not mapped
		t token
	}
	hits := make([]hit, len(in))
	for j := len(in) - 1; j >= 0; j-- {
		f := &in[j]
		if !candidate(platform, f) {
			continue
		}
		if *budget <= 0 || ctx.Err() != nil {
			rep.Skipped++
			continue
		}
		r := l.resolve(ctx, location(f))
		if r.transient != nil {
			rep.Skipped++
			continue
		}
		*budget--
		rep.Looked++
		looked = true
		if r.m == nil {
			out[j].Data = &event.FrameData{ResolvedWith: r.resolvedWith, Sourcemap: r.label, UnmappedReason: r.reason}
			continue
		}
		t, ok := r.m.at(f.Lineno, f.Colno)
		if !ok {
			out[j].Data = &event.FrameData{ResolvedWith: r.resolvedWith, Sourcemap: r.label, UnmappedReason: reasonLineOutOfRange}
			continue
		}
		hits[j] = hit{r: r, t: t}
	}
	// Names come second: a frame without the minified file is named from
	// its caller, the frame before it.
	for j, h := range hits {
		if h.r == nil {
			continue
		}
		var caller *token
		if j > 0 && hits[j-1].r != nil {
			caller = &hits[j-1].t
		}
		out[j] = mappedFrame(in[j], h.r, h.t, caller)
		rep.Mapped++
		mapped = true
	}
	return out, mapped, looked
}

// hasCandidates reports whether any frame of e is worth a look.
func hasCandidates(e *event.Event) bool {
	for _, ex := range e.Exceptions {
		if ex.Stacktrace == nil {
			continue
		}
		for i := range ex.Stacktrace.Frames {
			if candidate(e.Platform, &ex.Stacktrace.Frames[i]) {
				return true
			}
		}
	}
	return false
}

// candidate reports whether f may be minified JavaScript: any frame of a
// JavaScript or Node event, else a frame of a .js, .mjs or .cjs file. It
// needs a URL or path and a line; runtime-internal frames ("node:fs",
// "<anonymous>", "native") have no map.
func candidate(platform string, f *event.Frame) bool {
	loc := location(f)
	if f.Lineno <= 0 || f.Data != nil || !strings.Contains(loc, "/") || strings.HasPrefix(loc, "node:") {
		return false
	}
	if platform == "javascript" || platform == "node" {
		return true
	}
	p := loc
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	switch path.Ext(p) {
	case ".js", ".mjs", ".cjs":
		return true
	}
	return false
}

// location is where a frame's code was loaded from: its abs_path, else its
// filename, which is all @sentry/browser and @sentry/node send (the script's
// URL, or the module's path).
func location(f *event.Frame) string {
	if f.AbsPath != "" {
		return f.AbsPath
	}
	return f.Filename
}

// sourceMapImages maps each bundle URL to the debug id of its source map,
// as the event's debug_meta lists them.
func sourceMapImages(e *event.Event) map[string]string {
	if e.DebugMeta == nil {
		return nil
	}
	var images map[string]string
	for _, img := range e.DebugMeta.Images {
		if img.Type != "sourcemap" || img.DebugID == "" || img.CodeFile == "" {
			continue
		}
		if images == nil {
			images = map[string]string{}
		}
		// Debug ids are UUIDs; uploads carry them in lowercase.
		images[img.CodeFile] = strings.ToLower(img.DebugID)
	}
	return images
}
