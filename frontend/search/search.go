// Package search parses Sentry's issue search syntax:
//
//	is:unresolved level:error !environment:staging browser:Chrome
//	assigned:me firstSeen:-24h lastSeen:>2026-11-01 has:user "disk full"
//
// into a Query. Unknown keys are tag filters; words outside key:value pairs
// are free text.
package search

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Term is one key:value filter.
type Term struct {
	Key    string
	Value  string
	Negate bool
}

// Range bounds a time: After and/or Before are set.
type Range struct {
	After, Before time.Time
}

// Query is a parsed search.
type Query struct {
	Statuses     []string // is:
	Levels       []Term   // level:, possibly negated
	Environments []Term
	Releases     []Term
	// FirstReleases (first-release:) match issues by the release of their
	// first event: a release's new issues.
	FirstReleases []Term
	Assigned      []string // me, none, an email or #team
	Has           []string // has:tag
	// Bookmarks (bookmarks:, is:bookmarked for bookmarks:me) keeps the
	// issues the user named (me or an email) bookmarked.
	Bookmarks []string
	Tags      []Term // any other key:value
	FirstSeen Range
	LastSeen  Range
	Text      string
}

var statuses = map[string]bool{"unresolved": true, "resolved": true, "ignored": true}

// knownKeys are the keys with a meaning of their own; any other key is a tag.
var knownKeys = map[string]bool{"is": true, "level": true, "environment": true, "release": true, "assigned": true,
	"assigned_to": true, "has": true, "firstSeen": true, "lastSeen": true, "age": true,
	"first-release": true, "firstRelease": true, "bookmarks": true}

// issueProperties are the keys of properties of issues, not of events.
var issueProperties = map[string]bool{"is": true, "assigned": true, "assigned_to": true, "bookmarks": true,
	"firstSeen": true, "lastSeen": true, "age": true, "first-release": true, "firstRelease": true}

// IssueProperty reports whether key filters issues by a property of their
// own rather than of their events: the issue list sends its search to
// Discover to count events by issue, and Discover, which reads events,
// leaves these out when they are ANDed with the rest.
func IssueProperty(key string) bool { return issueProperties[key] }

// Parse reads a query. now anchors relative times ("-24h").
func Parse(q string, now time.Time) (Query, error) {
	var out Query
	var text []string
	tokens, err := tokenize(q)
	if err != nil {
		return out, err
	}
	for _, tok := range tokens {
		key, value, ok := strings.Cut(tok, ":")
		if !ok || key == "" || strings.ContainsAny(key, " \"") {
			text = append(text, tok)
			continue
		}
		negate := strings.HasPrefix(key, "!")
		key = strings.TrimPrefix(key, "!")
		if value == "" {
			// "TypeError:" in a pasted title names no filter; only a key
			// the syntax knows needs its value.
			if !knownKeys[key] {
				text = append(text, tok)
				continue
			}
			return out, fmt.Errorf("%s: has no value", key)
		}
		switch key {
		case "is":
			if value == "bookmarked" && !negate {
				out.Bookmarks = append(out.Bookmarks, "me")
				continue
			}
			if negate || !statuses[value] {
				return out, fmt.Errorf("is:%s: use is:unresolved, is:resolved, is:ignored or is:bookmarked", value)
			}
			out.Statuses = append(out.Statuses, value)
		case "bookmarks":
			if negate {
				return out, fmt.Errorf("!bookmarks is not supported")
			}
			out.Bookmarks = append(out.Bookmarks, value)
		case "level":
			out.Levels = append(out.Levels, Term{key, value, negate})
		case "environment":
			out.Environments = append(out.Environments, Term{key, value, negate})
		case "release":
			out.Releases = append(out.Releases, Term{key, value, negate})
		case "first-release", "firstRelease":
			out.FirstReleases = append(out.FirstReleases, Term{"first-release", value, negate})
		case "assigned", "assigned_to":
			if negate {
				return out, fmt.Errorf("!assigned is not supported; use assigned:none")
			}
			out.Assigned = append(out.Assigned, value)
		case "has":
			out.Has = append(out.Has, value)
		case "firstSeen", "lastSeen", "age":
			r, err := parseRange(value, now)
			if err != nil {
				return out, fmt.Errorf("%s:%s: %w", key, value, err)
			}
			if key == "lastSeen" {
				out.LastSeen = merge(out.LastSeen, r)
			} else {
				out.FirstSeen = merge(out.FirstSeen, r)
			}
		default:
			out.Tags = append(out.Tags, Term{key, value, negate})
		}
	}
	out.Text = strings.Join(text, " ")
	return out, nil
}

func merge(a, b Range) Range {
	if !b.After.IsZero() {
		a.After = b.After
	}
	if !b.Before.IsZero() {
		a.Before = b.Before
	}
	return a
}

// parseRange reads -24h (within the last 24 hours), +7d (older than 7
// days), >2026-11-01 / <2026-11-01T12:00:00Z (after / before a time), and
// a bare date (that day).
func parseRange(v string, now time.Time) (Range, error) {
	switch {
	case strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+"):
		d, err := ParseDuration(v[1:])
		if err != nil {
			return Range{}, err
		}
		if v[0] == '-' {
			return Range{After: now.Add(-d)}, nil
		}
		return Range{Before: now.Add(-d)}, nil
	case strings.HasPrefix(v, ">="), strings.HasPrefix(v, ">"):
		t, err := parseTime(strings.TrimLeft(v, ">="))
		return Range{After: t}, err
	case strings.HasPrefix(v, "<="), strings.HasPrefix(v, "<"):
		t, err := parseTime(strings.TrimLeft(v, "<="))
		return Range{Before: t}, err
	}
	t, err := parseTime(v)
	if err != nil {
		return Range{}, err
	}
	return Range{After: t, Before: t.Add(24 * time.Hour)}, nil
}

func parseTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2006-01-02), a time (RFC 3339) or a relative time (-24h, +7d)", v)
}

// ErrPeriodTooLong is a period longer than a time.Duration holds (about
// 292 years): well formed, but past any bound a caller may apply.
var ErrPeriodTooLong = errors.New("period too long")

// periodUnits are the units of Sentry's periods.
var periodUnits = map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}

// ParseDuration reads Sentry's periods: 30s, 15m, 24h, 7d, 2w; digits
// only, so never negative. A period too long for a time.Duration is an
// error wrapping ErrPeriodTooLong rather than a value that wrapped around.
func ParseDuration(v string) (time.Duration, error) {
	if len(v) < 2 {
		return 0, fmt.Errorf("%q is not a period such as 24h or 14d", v)
	}
	digits, unit := v[:len(v)-1], periodUnits[v[len(v)-1]]
	if unit == 0 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a period such as 24h or 14d", v)
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n > uint64(math.MaxInt64/unit) {
		return 0, fmt.Errorf("%q: %w", v, ErrPeriodTooLong)
	}
	return time.Duration(n) * unit, nil
}

// tokenize splits on spaces, keeping double-quoted runs (with \" escapes)
// together: browser:"Mobile Safari" is one token.
func tokenize(q string) ([]string, error) {
	toks, err := lex(q, false)
	var out []string
	for _, t := range toks {
		if t.text != "" {
			out = append(out, t.text)
		}
	}
	return out, err
}

type tokenKind int

const (
	tokWord tokenKind = iota
	tokOpen
	tokClose
)

type token struct {
	kind   tokenKind
	text   string
	quoted bool // written in quotes: never an operator
}

// is reports whether t is the bare word w (an operator such as AND).
func (t token) is(w string) bool { return t.kind == tokWord && !t.quoted && t.text == w }

// lex splits q into words, keeping double-quoted runs together; with
// groups, a parenthesis that opens a word or closes an open group is a
// token of its own, while parentheses within a word (p95(x):>1) stay in it.
func lex(q string, groups bool) ([]token, error) {
	var out []token
	var cur strings.Builder
	inQuote, quoted := false, false
	depth, inner := 0, 0 // open groups; parentheses opened inside the current word
	flush := func() {
		if cur.Len() > 0 || quoted {
			out = append(out, token{kind: tokWord, text: cur.String(), quoted: quoted})
		}
		cur.Reset()
		quoted, inner = false, 0
	}
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\\' && inQuote && i+1 < len(q):
			i++
			cur.WriteByte(q[i])
		case c == '"':
			inQuote, quoted = !inQuote, true
		case inQuote:
			cur.WriteByte(c)
		case unicode.IsSpace(rune(c)):
			flush()
		case groups && c == '(' && cur.Len() == 0 && !quoted:
			out = append(out, token{kind: tokOpen, text: "("})
			depth++
		case groups && c == ')' && inner == 0 && depth > 0:
			flush()
			out = append(out, token{kind: tokClose, text: ")"})
			depth--
		default:
			if c == '(' {
				inner++
			} else if c == ')' && inner > 0 {
				inner--
			}
			cur.WriteByte(c)
		}
	}
	if inQuote {
		return nil, fmt.Errorf("a quote is not closed")
	}
	if depth > 0 {
		return nil, fmt.Errorf("a parenthesis is not closed")
	}
	flush()
	return out, nil
}
