// Package releaseorder decides which of two releases is newer, and
// whether an event of some release reopens an issue resolved in a
// release, as Sentry's "resolved in release" and "resolved in the next
// release" do.
//
// Two versions that both read as semantic versions compare as such; any
// other pair compares by when the releases table created them. A release
// without a row there (events name releases freely) counts as newer than
// every release with one: it is most likely a build nobody registered yet.
// Two such releases that are not semantic versions cannot be ordered, and
// in doubt an issue reopens: a regression shown by mistake costs a click,
// one hidden by mistake costs an outage.
package releaseorder

import (
	"cmp"
	"strconv"
	"strings"
	"time"
)

// Resolution kinds, as the issues table stores them.
const (
	InRelease     = "in_release"      // fixed in a given release
	InNextRelease = "in_next_release" // fixed after the latest release of the time
)

// Release is a version and, when the releases table holds it, the time it
// was created there (zero when unknown).
type Release struct {
	Version string
	Created time.Time
}

// Compare orders a against b: -1 when a is older, 0 when they are the same
// release, 1 when a is newer. ok is false when they cannot be ordered.
func Compare(a, b Release) (order int, ok bool) {
	switch {
	case a.Version == b.Version:
		return 0, true
	case a.Version == "":
		return -1, true // no release is older than any
	case b.Version == "":
		return 1, true
	}
	if va, okA := parseSemver(a.Version); okA {
		if vb, okB := parseSemver(b.Version); okB {
			return va.compare(vb), true
		}
	}
	switch {
	case a.Created.IsZero() && b.Created.IsZero():
		return 0, false
	case a.Created.IsZero():
		return 1, true
	case b.Created.IsZero():
		return -1, true
	case a.Created.Equal(b.Created):
		return 0, false
	}
	return a.Created.Compare(b.Created), true
}

// Reopens reports whether an event of release event reopens an issue
// resolved (kind InRelease or InNextRelease) in release resolved: for
// InRelease, the fixed release itself or a newer one does; for
// InNextRelease, only a release newer than the one that was latest when
// the issue was resolved (any release, when none was known). An event
// without a release never does.
func Reopens(kind string, resolved, event Release) bool {
	if event.Version == "" {
		return false
	}
	switch kind {
	case InRelease:
		order, ok := Compare(event, resolved)
		return !ok || order >= 0
	case InNextRelease:
		if resolved.Version == "" {
			return true
		}
		order, ok := Compare(event, resolved)
		return !ok || order > 0
	}
	return false
}

// Latest is the newest of releases; the first one wins ties and releases
// that cannot be ordered. It is the zero Release when there are none.
func Latest(releases []Release) Release {
	var best Release
	for i, r := range releases {
		if order, ok := Compare(r, best); i == 0 || ok && order > 0 {
			best = r
		}
	}
	return best
}

// semver is a parsed version: up to four numeric parts (major, minor,
// patch, revision), prerelease identifiers and build metadata.
type semver struct {
	nums       [4]uint64
	prerelease []string
	build      string
}

// parseSemver reads "1", "1.2", "1.2.3" or "1.2.3.4", with an optional "v",
// "-prerelease" and "+build", after the last "@" of a "package@version".
func parseSemver(s string) (semver, bool) {
	var v semver
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s, v.build = s[:i], s[i+1:]
		if v.build == "" {
			return v, false
		}
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		var pre string
		s, pre = s[:i], s[i+1:]
		v.prerelease = strings.Split(pre, ".")
		for _, id := range v.prerelease {
			if id == "" {
				return v, false
			}
		}
	}
	parts := strings.Split(s, ".")
	if len(parts) > len(v.nums) {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return v, false
		}
		v.nums[i] = n
	}
	return v, true
}

// compare orders by the numbers, then a prerelease below its release,
// then prerelease identifiers as semver orders them, then by build (a
// later build of one version is newer; no build is oldest).
func (v semver) compare(o semver) int {
	for i := range v.nums {
		if c := cmp.Compare(v.nums[i], o.nums[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(v.prerelease) == 0 && len(o.prerelease) > 0:
		return 1
	case len(v.prerelease) > 0 && len(o.prerelease) == 0:
		return -1
	}
	for i := 0; i < len(v.prerelease) && i < len(o.prerelease); i++ {
		if c := compareIdentifier(v.prerelease[i], o.prerelease[i]); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(v.prerelease), len(o.prerelease)); c != 0 {
		return c
	}
	return compareIdentifier(v.build, o.build)
}

// compareIdentifier orders numbers numerically and below words, words by
// their bytes, and "" below everything.
func compareIdentifier(a, b string) int {
	na, errA := strconv.ParseUint(a, 10, 64)
	nb, errB := strconv.ParseUint(b, 10, 64)
	switch {
	case a == "" || b == "":
		return cmp.Compare(len(a), len(b))
	case errA == nil && errB == nil:
		return cmp.Compare(na, nb)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}
