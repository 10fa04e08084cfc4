package search

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	cases := []struct {
		q    string
		want Query
	}{
		{"is:unresolved level:error", Query{Statuses: []string{"unresolved"}, Levels: []Term{{"level", "error", false}}}},
		{"!environment:staging release:shop@1.2.3", Query{Environments: []Term{{"environment", "staging", true}}, Releases: []Term{{"release", "shop@1.2.3", false}}}},
		{`browser:"Mobile Safari" disk full`, Query{Tags: []Term{{"browser", "Mobile Safari", false}}, Text: "disk full"}},
		{`"user 42: not found"`, Query{Text: "user 42: not found"}},
		{"assigned:me has:user", Query{Assigned: []string{"me"}, Has: []string{"user"}}},
		{"lastSeen:-24h", Query{LastSeen: Range{After: now.Add(-24 * time.Hour)}}},
		{"firstSeen:+7d", Query{FirstSeen: Range{Before: now.Add(-7 * 24 * time.Hour)}}},
		{"lastSeen:>2026-11-01 lastSeen:<2026-11-20T00:00:00Z", Query{LastSeen: Range{After: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Before: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}}},
		{"firstSeen:2026-11-02", Query{FirstSeen: Range{After: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Before: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}}},
		{"first-release:web@2 !firstRelease:web@1", Query{FirstReleases: []Term{{"first-release", "web@2", false}, {"first-release", "web@1", true}}}},
		{"is:bookmarked bookmarks:ann@example.com", Query{Bookmarks: []string{"me", "ann@example.com"}}},
		{"", Query{}},
		// A pasted title: a word ending in a colon is not a filter on a key
		// nobody knows, it is text.
		{"TypeError: Cannot read", Query{Text: "TypeError: Cannot read"}},
		{"is:unresolved ValueError: bad", Query{Statuses: []string{"unresolved"}, Text: "ValueError: bad"}},
	}
	for _, tc := range cases {
		got, err := Parse(tc.q, now)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.q, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) =\n%+v\nwant\n%+v", tc.q, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for q, want := range map[string]string{
		"is:closed":          "use is:unresolved",
		"lastSeen:yesterday": "not a date",
		"firstSeen:-3x":      "not a period",
		`title:"open`:        "quote is not closed",
		"level:":             "has no value",
		"!is:bookmarked":     "use is:unresolved",
		"!bookmarks:me":      "not supported",
	} {
		if _, err := Parse(q, now); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error %v, want one containing %q", q, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`is:unresolved !level:error browser:"Mobile Safari" lastSeen:-24h text`)
	f.Fuzz(func(t *testing.T, q string) {
		_, _ = Parse(q, now)
	})
}

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		in      string
		want    time.Duration
		tooLong bool // an error wrapping ErrPeriodTooLong
		bad     bool // any other error
	}{
		{in: "30s", want: 30 * time.Second},
		{in: "30m", want: 30 * time.Minute},
		{in: "24h", want: 24 * time.Hour},
		{in: "14d", want: 14 * day},
		{in: "1w", want: 7 * day},
		{in: "0d", want: 0},
		{in: "106751d", want: 106751 * day},
		{in: "106752d", tooLong: true}, // past int64 nanoseconds: once wrapped negative
		{in: "9999999999999d", tooLong: true},
		{in: "99999999999999999999d", tooLong: true}, // past uint64
		{in: "9223372036854775807s", tooLong: true},
		{in: "-1d", bad: true},
		{in: "+1d", bad: true},
		{in: " 1d", bad: true},
		{in: "1.5h", bad: true},
		{in: "1e3s", bad: true},
		{in: "1y", bad: true},
		{in: "d", bad: true},
		{in: "", bad: true},
		{in: "1\x00d", bad: true},
		{in: "abc", bad: true},
		{in: "NaNd", bad: true},
	} {
		got, err := ParseDuration(tc.in)
		switch {
		case tc.tooLong:
			if !errors.Is(err, ErrPeriodTooLong) {
				t.Errorf("ParseDuration(%q) = %v, %v; want ErrPeriodTooLong", tc.in, got, err)
			}
		case tc.bad:
			if err == nil || errors.Is(err, ErrPeriodTooLong) {
				t.Errorf("ParseDuration(%q) = %v, %v; want an error saying it is not a period", tc.in, got, err)
			}
		case err != nil || got != tc.want:
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"24h", "106752d", "-1d", "99999999999999999999w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d, err := ParseDuration(v); err == nil && d < 0 {
			t.Fatalf("ParseDuration(%q) = %v: negative", v, d)
		}
	})
}
