package event

import (
	"strings"
	"unicode"
)

// Limits on what one event may hold, close to Relay's: beyond them, data is
// trimmed rather than the event refused.
const (
	maxMessageBytes   = 8192
	maxValueBytes     = 8192
	maxBreadcrumbs    = 100
	maxFrames         = 250
	maxTags           = 100
	maxTagKeyBytes    = 200
	maxTagValueBytes  = 200
	maxExceptionChain = 25
	maxReleaseBytes   = 200
	maxDebugImages    = 500
)

// trim cuts oversized strings and lists. Breadcrumbs keep the newest, stack
// traces keep both ends (the crash site and the entry point), exception
// chains keep the outermost exceptions.
func (e *Event) trim() {
	e.Release = validRelease(e.Release)
	e.Message = truncate(e.Message, maxMessageBytes)
	if n := len(e.Breadcrumbs); n > maxBreadcrumbs {
		e.Breadcrumbs = e.Breadcrumbs[n-maxBreadcrumbs:]
	}
	if n := len(e.Exceptions); n > maxExceptionChain {
		e.Exceptions = e.Exceptions[n-maxExceptionChain:]
	}
	for i := range e.Exceptions {
		ex := &e.Exceptions[i]
		ex.Value = truncate(ex.Value, maxValueBytes)
		if ex.Stacktrace != nil && len(ex.Stacktrace.Frames) > maxFrames {
			f := ex.Stacktrace.Frames
			head := maxFrames / 2
			ex.Stacktrace.Frames = append(f[:head:head], f[len(f)-(maxFrames-head):]...)
		}
	}
	if e.DebugMeta != nil && len(e.DebugMeta.Images) > maxDebugImages {
		e.DebugMeta.Images = e.DebugMeta.Images[:maxDebugImages]
	}
	if len(e.Tags) > maxTags {
		e.Tags = e.Tags[:maxTags]
	}
	for i := range e.Tags {
		e.Tags[i].Key = truncate(e.Tags[i].Key, maxTagKeyBytes)
		e.Tags[i].Value = truncate(e.Tags[i].Value, maxTagValueBytes)
	}
}

// validRelease is release, or "" when Relay would drop it: longer than 200
// bytes, blank, "." or "..", or holding control characters (which also
// keeps NUL bytes out of PostgreSQL's text columns).
func validRelease(release string) string {
	if len(release) > maxReleaseBytes || strings.TrimSpace(release) == "" || release == "." || release == ".." ||
		strings.ContainsFunc(release, unicode.IsControl) {
		return ""
	}
	return release
}
