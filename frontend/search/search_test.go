package search

import (
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
		{"", Query{}},
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
