package releaseorder

import (
	"testing"
	"time"
)

var (
	jan = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	feb = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
)

func TestCompare(t *testing.T) {
	unordered := 2 // stands for "cannot be ordered"
	cases := []struct {
		a, b Release
		want int
	}{
		{Release{Version: "1.0.0"}, Release{Version: "1.0.0"}, 0},
		{Release{Version: "1.0.1"}, Release{Version: "1.0.0"}, 1},
		{Release{Version: "1.0.0"}, Release{Version: "1.0.1"}, -1},
		{Release{Version: "1.10.0"}, Release{Version: "1.9.0"}, 1}, // numbers, not text
		{Release{Version: "2.0.0"}, Release{Version: "10.0.0"}, -1},
		{Release{Version: "1.2"}, Release{Version: "1.2.0"}, 0},
		{Release{Version: "1.2.0.1"}, Release{Version: "1.2.0"}, 1}, // a revision
		{Release{Version: "1"}, Release{Version: "0.9.9"}, 1},
		{Release{Version: "v1.2.3"}, Release{Version: "1.2.3"}, 0},
		{Release{Version: "shop@2.0.0"}, Release{Version: "shop@1.9.9"}, 1},
		{Release{Version: "org.pkg@1.0.0"}, Release{Version: "1.0.0"}, 0},
		{Release{Version: "a@b@1.1.0"}, Release{Version: "a@b@1.0.0"}, 1}, // after the last @
		{Release{Version: "shop@1.0.0-beta"}, Release{Version: "shop@1.0.0"}, -1},
		{Release{Version: "1.0.0"}, Release{Version: "1.0.0-rc.1"}, 1},
		{Release{Version: "1.0.0-alpha"}, Release{Version: "1.0.0-alpha.1"}, -1},
		{Release{Version: "1.0.0-alpha.1"}, Release{Version: "1.0.0-alpha.beta"}, -1}, // numbers below words
		{Release{Version: "1.0.0-beta.2"}, Release{Version: "1.0.0-beta.11"}, -1},
		{Release{Version: "1.0.0-rc.1"}, Release{Version: "1.0.0-beta.11"}, 1},
		{Release{Version: "1.0.0+2"}, Release{Version: "1.0.0+1"}, 1}, // a later build
		{Release{Version: "1.0.0+10"}, Release{Version: "1.0.0+9"}, 1},
		{Release{Version: "shop@1.0.0+build"}, Release{Version: "shop@1.0.0"}, 1},
		{Release{Version: "1.0.0-rc.1+5"}, Release{Version: "1.0.0"}, -1},
		// Not both semantic versions: by creation in the releases table.
		{Release{Version: "abc123", Created: feb}, Release{Version: "def456", Created: jan}, 1},
		{Release{Version: "abc123", Created: jan}, Release{Version: "def456", Created: feb}, -1},
		{Release{Version: "1.0.0", Created: feb}, Release{Version: "nightly", Created: jan}, 1},
		{Release{Version: "2.0.0", Created: jan}, Release{Version: "1.0.0", Created: feb}, 1}, // semver wins over dates
		{Release{Version: "abc", Created: jan}, Release{Version: "def", Created: jan}, unordered},
		// Without a row, a release counts as newer than one with a row.
		{Release{Version: "unregistered"}, Release{Version: "abc123", Created: feb}, 1},
		{Release{Version: "abc123", Created: feb}, Release{Version: "unregistered"}, -1},
		{Release{Version: "one"}, Release{Version: "two"}, unordered},
		// Nearly semantic versions are not.
		{Release{Version: "1.0.0-"}, Release{Version: "0.1", Created: jan}, 1},
		{Release{Version: "1..0"}, Release{Version: "0.1", Created: jan}, 1},
		{Release{Version: "1.0.0+"}, Release{Version: "0.1", Created: jan}, 1},
		{Release{Version: "1.2.3.4.5"}, Release{Version: "0.1", Created: jan}, 1},
		{Release{Version: "99999999999999999999"}, Release{Version: "0.1", Created: jan}, 1},
		{Release{Version: "shop@"}, Release{Version: "0.1", Created: jan}, 1},
		// No release at all is older than any.
		{Release{Version: ""}, Release{Version: "anything"}, -1},
		{Release{Version: "0.0.1"}, Release{Version: ""}, 1},
	}
	for _, tc := range cases {
		order, ok := Compare(tc.a, tc.b)
		if !ok {
			order = unordered
		}
		if order != tc.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tc.a.Version, tc.b.Version, order, tc.want)
		}
		if tc.want != unordered {
			if back, ok := Compare(tc.b, tc.a); !ok || back != -tc.want {
				t.Errorf("Compare(%q, %q) = %d, %v; want %d", tc.b.Version, tc.a.Version, back, ok, -tc.want)
			}
		}
	}
}

func TestReopens(t *testing.T) {
	cases := []struct {
		name            string
		kind            string
		resolved, event Release
		want            bool
	}{
		{"in release: the fixed release itself", InRelease, Release{Version: "1.2.0"}, Release{Version: "1.2.0"}, true},
		{"in release: a newer one", InRelease, Release{Version: "1.2.0"}, Release{Version: "1.3.0"}, true},
		{"in release: an older one", InRelease, Release{Version: "1.2.0"}, Release{Version: "1.1.9"}, false},
		{"in release: a prerelease of it", InRelease, Release{Version: "1.2.0"}, Release{Version: "1.2.0-rc.1"}, false},
		{"in release: no release", InRelease, Release{Version: "1.2.0"}, Release{}, false},
		{"in release: older by date", InRelease, Release{Version: "b", Created: feb}, Release{Version: "a", Created: jan}, false},
		{"in release: newer by date", InRelease, Release{Version: "a", Created: jan}, Release{Version: "b", Created: feb}, true},
		{"in release: unregistered", InRelease, Release{Version: "a", Created: jan}, Release{Version: "c"}, true},
		{"in release: cannot tell", InRelease, Release{Version: "a"}, Release{Version: "c"}, true},
		{"next release: the latest of the time", InNextRelease, Release{Version: "1.0.0"}, Release{Version: "1.0.0"}, false},
		{"next release: an older one", InNextRelease, Release{Version: "1.0.0"}, Release{Version: "0.9.0"}, false},
		{"next release: a newer one", InNextRelease, Release{Version: "1.0.0"}, Release{Version: "1.1.0"}, true},
		{"next release: a new build", InNextRelease, Release{Version: "1.0.0+1"}, Release{Version: "1.0.0+2"}, true},
		{"next release: no release", InNextRelease, Release{Version: "1.0.0"}, Release{}, false},
		{"next release: none was known", InNextRelease, Release{}, Release{Version: "0.0.1"}, true},
		{"next release: none known, no release", InNextRelease, Release{}, Release{}, false},
		{"next release: older by date", InNextRelease, Release{Version: "b", Created: feb}, Release{Version: "a", Created: jan}, false},
		{"next release: newer by date", InNextRelease, Release{Version: "a", Created: jan}, Release{Version: "b", Created: feb}, true},
		{"next release: cannot tell", InNextRelease, Release{Version: "a"}, Release{Version: "c"}, true},
		{"an unknown kind never reopens", "in_commit", Release{Version: "1.0.0"}, Release{Version: "2.0.0"}, false},
	}
	for _, tc := range cases {
		if got := Reopens(tc.kind, tc.resolved, tc.event); got != tc.want {
			t.Errorf("%s: Reopens(%s, %q, %q) = %v, want %v", tc.name, tc.kind, tc.resolved.Version, tc.event.Version, got, tc.want)
		}
	}
}

func TestLatest(t *testing.T) {
	cases := []struct {
		name     string
		releases []Release
		want     string
	}{
		{"none", nil, ""},
		{"one", []Release{{Version: "1.0.0"}}, "1.0.0"},
		{"by semver", []Release{{Version: "1.0.1", Created: feb}, {Version: "2.0.0", Created: jan}, {Version: "1.9.0"}}, "2.0.0"},
		{"by date", []Release{{Version: "b", Created: jan}, {Version: "a", Created: feb}}, "a"},
		{"unregistered is newest", []Release{{Version: "b", Created: feb}, {Version: "deadbeef"}}, "deadbeef"},
		{"first of a tie", []Release{{Version: "x"}, {Version: "y"}}, "x"},
	}
	for _, tc := range cases {
		if got := Latest(tc.releases).Version; got != tc.want {
			t.Errorf("%s: Latest = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Any two versions compare without panicking, and the same way round.
func FuzzCompare(f *testing.F) {
	for _, s := range []string{"1.0.0", "shop@1.2.3-rc.1+7", "v2", "1..0", "abc", "", "1.0.0-", "a@b@9.9.9.9"} {
		f.Add(s, "1.0.0-alpha.1")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ra, rb := Release{Version: a}, Release{Version: b, Created: jan}
		order, ok := Compare(ra, rb)
		back, okBack := Compare(rb, ra)
		if ok != okBack || ok && order != -back {
			t.Errorf("Compare(%q, %q) = %d, %v but the other way round %d, %v", a, b, order, ok, back, okBack)
		}
	})
}
