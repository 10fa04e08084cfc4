package search

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func c(kind Kind, key, value string) Node {
	return leaf(Cond{Kind: kind, Key: key, Value: value})
}

func neg(n Node) Node { n.Cond.Negate = true; return n }

func text(v string) Node { return leaf(Cond{Kind: KindText, Value: v}) }

func and(args ...Node) Node { return Node{Op: "and", Args: args} }

func or(args ...Node) Node { return Node{Op: "or", Args: args} }

func rng(kind Kind, key, value string, r Range) Node {
	return leaf(Cond{Kind: kind, Key: key, Value: value, Range: r})
}

func count(cmp string, n int64, value string) Node {
	return leaf(Cond{Kind: KindTimesSeen, Key: "times_seen", Value: value, Cmp: cmp, Count: n})
}

func TestParse(t *testing.T) {
	day := 24 * time.Hour
	nov := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	cases := []struct {
		q    string
		want Node
	}{
		{"", Node{}},
		{"is:unresolved level:error", and(c(KindStatus, "is", "unresolved"), c(KindLevel, "level", "error"))},
		{"!environment:staging release:shop@1.2.3", and(neg(c(KindTag, "environment", "staging")), c(KindTag, "release", "shop@1.2.3"))},
		{`browser:"Mobile Safari" disk full`, and(c(KindTag, "browser", "Mobile Safari"), text("disk full"))},
		{`"user 42: not found"`, text("user 42: not found")},
		{"assigned:me has:user", and(c(KindAssigned, "assigned", "me"), c(KindHas, "has", "user"))},
		{"assigned_to:#ops", c(KindAssigned, "assigned", "#ops")},
		{"first-release:web@2 !firstRelease:web@1", and(c(KindFirstRelease, "first-release", "web@2"), neg(c(KindFirstRelease, "first-release", "web@1")))},
		{"tags[os.name]:Linux", c(KindTag, "os.name", "Linux")},
		{"is:bookmarked bookmarks:ann@example.com", and(c(KindBookmarks, "bookmarks", "me"), c(KindBookmarks, "bookmarks", "ann@example.com"))},
		{"!is:bookmarked", neg(c(KindBookmarks, "bookmarks", "me"))},
		// Sentry's lists stay whole; a condition holds for any value.
		{"level:[error,fatal] is:[unresolved, ignored]", and(c(KindLevel, "level", "[error,fatal]"), c(KindStatus, "is", "[unresolved, ignored]"))},
		// OR and parentheses: AND binds tighter, terms side by side are ANDed.
		{"is:unresolved (level:error OR level:fatal)", and(c(KindStatus, "is", "unresolved"), or(c(KindLevel, "level", "error"), c(KindLevel, "level", "fatal")))},
		{"browser:Chrome OR browser:Firefox", or(c(KindTag, "browser", "Chrome"), c(KindTag, "browser", "Firefox"))},
		{"level:error OR level:fatal is:unresolved", or(c(KindLevel, "level", "error"), and(c(KindLevel, "level", "fatal"), c(KindStatus, "is", "unresolved")))},
		{"level:error AND is:resolved", and(c(KindLevel, "level", "error"), c(KindStatus, "is", "resolved"))},
		// Times.
		{"lastSeen:-24h", rng(KindLastSeen, "lastSeen", "-24h", Range{After: now.Add(-day)})},
		{"firstSeen:+7d", rng(KindFirstSeen, "firstSeen", "+7d", Range{Before: now.Add(-7 * day)})},
		{"age:-1h", rng(KindFirstSeen, "age", "-1h", Range{After: now.Add(-time.Hour)})},
		{"firstSeen:2026-11-02", rng(KindFirstSeen, "firstSeen", "2026-11-02", Range{After: nov(2, 0), Before: nov(3, 0)})},
		{"lastSeen:>2026-11-01 lastSeen:<2026-11-20T00:00:00Z", and(rng(KindLastSeen, "lastSeen", ">2026-11-01", Range{After: nov(1, 0)}),
			rng(KindLastSeen, "lastSeen", "<2026-11-20T00:00:00Z", Range{Before: nov(20, 0)}))},
		{"event.timestamp:>2026-11-01T00:00:00", rng(KindEventTime, "event.timestamp", ">2026-11-01T00:00:00", Range{After: nov(1, 0)})},
		{"event.timestamp:<=2026-11-21T12:00:00Z", rng(KindEventTime, "event.timestamp", "<=2026-11-21T12:00:00Z", Range{Before: nov(21, 12)})},
		{"event.timestamp:-24h", rng(KindEventTime, "event.timestamp", "-24h", Range{After: now.Add(-day)})},
		// Counts.
		{"times_seen:>10", count(">", 10, ">10")},
		{"times_seen:>=10", count(">=", 10, ">=10")},
		{"times_seen:<3", count("<", 3, "<3")},
		{"times_seen:<=3", count("<=", 3, "<=3")},
		{"times_seen:=1", count("=", 1, "=1")},
		{"times_seen:7", count("=", 7, "7")},
		{"user.email:ann@example.com", c(KindTag, "user.email", "ann@example.com")},
		// A whole query that is an event id or a short id: that issue, or
		// the same text.
		{"0123456789abcdef0123456789ABCDEF", or(c(KindEventID, "id", "0123456789abcdef0123456789abcdef"), text("0123456789abcdef0123456789ABCDEF"))},
		{" 01234567-89ab-cdef-0123-456789abcdef ", or(c(KindEventID, "id", "0123456789abcdef0123456789abcdef"), text("01234567-89ab-cdef-0123-456789abcdef"))},
		{"SHOP-1A", or(leaf(Cond{Kind: KindShortID, Key: "shop", Value: "SHOP-1A", Count: 46}), text("SHOP-1A"))},
		{"MY-SHOP-Z", or(leaf(Cond{Kind: KindShortID, Key: "my-shop", Value: "MY-SHOP-Z", Count: 35}), text("MY-SHOP-Z"))},
		{"SHOP-1A level:error", and(text("SHOP-1A"), c(KindLevel, "level", "error"))},
		// Pasted titles: a word ending in a colon, a key that cannot be one,
		// parentheses, a URL are text, all of it one text.
		{"TypeError: Cannot read", text("TypeError: Cannot read")},
		{"is:unresolved ValueError: bad", and(c(KindStatus, "is", "unresolved"), text("ValueError: bad"))},
		{"TypeError: Cannot read properties of undefined (reading 'x')", text("TypeError: Cannot read properties of undefined (reading 'x')")},
		{"Error(code): 42 happened", text("Error(code): 42 happened")},
		{"failed (status 500", text("failed (status 500")},
		{"GET http://example.com/a failed", text("GET http://example.com/a failed")},
		{"f(x):y", text("f(x):y")},
	}
	for _, tc := range cases {
		got, err := Parse(tc.q, now)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.q, err)
			continue
		}
		if !reflect.DeepEqual(got.Root, tc.want) {
			t.Errorf("Parse(%q) =\n%s\nwant\n%s", tc.q, show(got.Root), show(tc.want))
		}
	}
}

// show prints a tree with its conditions, not their addresses.
func show(n Node) string {
	if n.Op == "" {
		if n.Cond == nil {
			return "<none>"
		}
		return fmt.Sprintf("%+v", *n.Cond)
	}
	var args []string
	for _, a := range n.Args {
		args = append(args, show(a))
	}
	return n.Op + "(" + strings.Join(args, ", ") + ")"
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"is:closed", "use is:unresolved"},
		{"lastSeen:yesterday", "not a date"},
		{"firstSeen:-3x", "not a period"},
		{"event.timestamp:>soon", `event.timestamp:>soon: "soon" is not a date`},
		{"times_seen:>abc", `times_seen:>abc: "abc" is not a whole number`},
		{"is:[unresolved,closed]", "is:closed: use is:unresolved"},
		{"browser:[" + strings.Repeat("a,", 40) + "b]", "41 conditions"},
		{"times_seen:>-1", `"-1" is not a whole number`},
		{"times_seen:>>1", `">1" is not a whole number`},
		{"times_seen:99999999999999999999", "is not a whole number"},
		{`title:"open`, "quote is not closed"},
		{"is:unresolved (level:error OR level:fatal", "a parenthesis is not closed: the one at character 15"},
		{"((level:error) OR (level:fatal)", "the one at character 1"},
		{"level:error OR", "OR needs a condition on each side"},
		{"(level:error OR level:fatal) AND", "AND needs a condition on each side"},
		{"()", "empty parentheses"},
		{"level:", "level: has no value"},
		{"is:unresolved !times_seen:", "times_seen: has no value"},
		{strings.Repeat("(", 11) + "a:1" + strings.Repeat(")", 11), "parentheses nest deeper than 10 (at character 11)"},
		{strings.Repeat("(", 2000), "nest deeper"},
		{strings.Repeat("x", MaxLength+1), "at most 2048"},
		{strings.TrimSuffix(strings.Repeat("level:error OR ", 41), " OR "), "41 conditions; at most 40"},
		{strings.Repeat("a:1 ", 41), "41 conditions"},
	} {
		if _, err := Parse(tc.q, now); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%.60q) error %v, want one containing %q", tc.q, err, tc.want)
		}
	}
	// At the bounds, a query still parses.
	for _, q := range []string{strings.Repeat("(", 10) + "a:1" + strings.Repeat(")", 10),
		strings.TrimSuffix(strings.Repeat("level:error OR ", 40), " OR "), strings.Repeat("x", MaxLength)} {
		if _, err := Parse(q, now); err != nil {
			t.Errorf("Parse(%.60q): %v", q, err)
		}
	}
}

func TestValues(t *testing.T) {
	for in, want := range map[string][]string{
		"a": {"a"}, "[a,b]": {"a", "b"}, `[ "a b" , c ]`: {"a b", "c"}, "[]": {"[]"}, "[a": {"[a"}, "[,]": {"[,]"},
	} {
		if got := Values(in); !reflect.DeepEqual(got, want) {
			t.Errorf("Values(%q) = %q, want %q", in, got, want)
		}
	}
}

// Conjuncts gives the ANDed conditions of a query without OR.
func TestConjuncts(t *testing.T) {
	q, _ := Parse("release:1.0 environment:prod", now)
	if conds, ok := q.Conjuncts(); !ok || len(conds) != 2 || conds[0].Key != "release" || conds[1].Key != "environment" {
		t.Errorf("Conjuncts = %+v, %v", conds, ok)
	}
	q, _ = Parse("release:1.0 OR environment:prod", now)
	if _, ok := q.Conjuncts(); ok {
		t.Error("a query with OR has conjuncts")
	}
	q, _ = Parse("release:1.0", now)
	if conds, ok := q.Conjuncts(); !ok || len(conds) != 1 {
		t.Errorf("Conjuncts of one = %+v, %v", conds, ok)
	}
}

func FuzzParse(f *testing.F) {
	for _, q := range []string{`is:unresolved !level:error browser:"Mobile Safari" lastSeen:-24h text`,
		"is:unresolved (level:error OR (times_seen:>5 user.email:a@b)) event.timestamp:-24h", "SHOP-1A",
		"TypeError: x (reading 'y')", "((a:1) OR b:2"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		parsed, err := Parse(q, now)
		if err != nil {
			return
		}
		// What parses stays within the bounds.
		var leaves, depth func(Node) int
		leaves = func(n Node) int {
			if n.Op == "" {
				return 1
			}
			sum := 0
			for _, a := range n.Args {
				sum += leaves(a)
			}
			return sum
		}
		depth = func(n Node) int {
			d := 0
			for _, a := range n.Args {
				d = max(d, depth(a))
			}
			return d + 1
		}
		if n := leaves(parsed.Root); n > MaxConditions {
			t.Errorf("Parse(%q): %d conditions", q, n)
		}
		if d := depth(parsed.Root); d > 2*MaxDepth+3 {
			t.Errorf("Parse(%q): %d deep", q, d)
		}
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
