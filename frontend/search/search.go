// Package search parses Sentry's issue search syntax:
//
//	is:unresolved (level:error OR level:fatal) !environment:staging
//	browser:Chrome assigned:me times_seen:>10 user.email:ann@example.com
//	firstSeen:-24h event.timestamp:>2026-11-01T00:00:00 has:user "disk full"
//
// into a Query: conditions joined by AND (implicit between terms, binding
// tighter) and OR, grouped by parentheses. Unknown keys are tag filters;
// words outside key:value pairs, and key:value pairs that cannot be a
// filter (a pasted "TypeError: ..."), are free text. A query that is
// only an event id or a short id (SHOP-1A) finds that issue.
package search

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds on a query, so that no search grows into unbounded SQL or work.
const (
	// MaxLength is the longest query, in bytes.
	MaxLength = 2048
	// MaxConditions is how many conditions (key:value terms, each value
	// of a [a,b] list, and runs of free text) a query may hold.
	MaxConditions = 40
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

// Kind says what a condition tests.
type Kind int

// The kinds of conditions.
const (
	KindText         Kind = iota // Value in the title or culprit
	KindStatus                   // is:unresolved, is:resolved, is:ignored
	KindLevel                    // level:
	KindAssigned                 // assigned: me, none, an email or #team
	KindFirstRelease             // first-release: the release of the first event
	KindFirstSeen                // firstSeen:, age: (Range)
	KindLastSeen                 // lastSeen: (Range)
	KindTimesSeen                // times_seen: (Cmp, Count)
	KindTag                      // an event's environment, release, user.email or tag Key is Value
	KindHas                      // has: an event has the tag Value
	KindEventTime                // event.timestamp: an event in Range
	KindEventID                  // the issue has the event Value (32 hex digits)
	KindShortID                  // the issue of project Key numbered Count (SHOP-1A)
	KindBookmarks                // bookmarks: bookmarked by Value (me or an email); is:bookmarked is bookmarks:me
)

// Cond is one condition of a search.
type Cond struct {
	Kind   Kind
	Key    string // as written, without "!"; the project slug of a short id
	Value  string
	Negate bool
	Range  Range  // KindFirstSeen, KindLastSeen, KindEventTime
	Cmp    string // KindTimesSeen: one of = > >= < <=
	Count  int64  // KindTimesSeen, KindShortID
}

// Event reports whether the condition is about an issue's events, which
// ClickHouse answers, rather than about the issue itself.
func (c Cond) Event() bool {
	switch c.Kind {
	case KindTag, KindHas, KindEventTime, KindEventID:
		return true
	}
	return false
}

// Node is conditions joined by "and" or "or", or, with Op "", one
// condition.
type Node struct {
	Op   string
	Args []Node
	Cond *Cond
}

// Query is a parsed search; a zero Root matches every issue.
type Query struct {
	Root Node
}

// Conjuncts lists the conditions a query ANDs together; ok is false when
// it has an OR.
func (q Query) Conjuncts() (conds []Cond, ok bool) {
	switch {
	case q.Root.Op == "" && q.Root.Cond != nil:
		return []Cond{*q.Root.Cond}, true
	case q.Root.Op == "or":
		return nil, false
	}
	for _, a := range q.Root.Args {
		if a.Op != "" {
			return nil, false
		}
		conds = append(conds, *a.Cond)
	}
	return conds, true
}

// Parse reads a query. now anchors relative times ("-24h").
func Parse(q string, now time.Time) (Query, error) {
	if len(q) > MaxLength {
		return Query{}, fmt.Errorf("the query is %d bytes long; at most %d are read", len(q), MaxLength)
	}
	if n, ok := lookupOf(strings.TrimSpace(q)); ok {
		return Query{Root: n}, nil
	}
	if toks, err := lex(q, false); err == nil {
		if err := noValue(toks); err != nil {
			return Query{}, err
		}
	}
	expr, err := ParseBoolean(q)
	var unclosed *UnclosedError
	if errors.As(err, &unclosed) && onlyText(q) {
		// A pasted message with an unbalanced parenthesis, not a group.
		return textQuery(q), nil
	}
	if err != nil {
		return Query{}, err
	}
	count := 0
	root, err := nodeOf(expr, now, &count)
	if err != nil {
		return Query{}, err
	}
	if count > MaxConditions {
		return Query{}, fmt.Errorf("the query has %d conditions; at most %d are allowed", count, MaxConditions)
	}
	if root.Op == "and" && onlyText(q) {
		// Words split by parentheses, as in a pasted "TypeError: x
		// (reading 'y')", are still one text.
		return textQuery(q), nil
	}
	return Query{Root: root}, nil
}

// nodeOf turns a boolean expression into conditions, counting its leaves.
func nodeOf(e Expr, now time.Time, count *int) (Node, error) {
	if e.Op != "" {
		n := Node{Op: e.Op}
		for _, a := range e.Args {
			c, err := nodeOf(a, now, count)
			if err != nil {
				return Node{}, err
			}
			n.Args = append(n.Args, c)
		}
		return n, nil
	}
	if e.empty() {
		return Node{}, nil
	}
	if e.Term == nil {
		*count++
		return leaf(Cond{Kind: KindText, Value: e.Text}), nil
	}
	c, err := condOf(*e.Term, now)
	if err != nil {
		return Node{}, err
	}
	if c.Listed() {
		*count += len(Values(c.Value))
	} else {
		*count++
	}
	return leaf(c), nil
}

func leaf(c Cond) Node { return Node{Cond: &c} }

// onlyText reports whether q, read without groups, holds no operator and
// no filter.
func onlyText(q string) bool {
	toks, err := lex(q, false)
	if err != nil {
		return false
	}
	for _, t := range toks {
		if t.is("OR") || t.is("AND") {
			return false
		}
		if l := leafOf(t.text); l.Term != nil {
			if c, err := condOf(*l.Term, time.Time{}); err != nil || c.Kind != KindText {
				return false
			}
		}
	}
	return true
}

// textQuery is all of q as one free text, quotes removed and parentheses
// kept.
func textQuery(q string) Query {
	toks, _ := lex(q, false)
	words := make([]string, 0, len(toks))
	for _, t := range toks {
		if t.text != "" {
			words = append(words, t.text)
		}
	}
	if len(words) == 0 {
		return Query{}
	}
	return Query{Root: leaf(Cond{Kind: KindText, Value: strings.Join(words, " ")})}
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

// MaxDepth is how deeply parentheses may nest: enough for any search a
// person writes, and it bounds the parser's recursion.
const MaxDepth = 10

// lex splits q into words, keeping double-quoted runs together; with
// groups, a parenthesis that opens a word or closes an open group is a
// token of its own, while parentheses within a word (p95(x):>1) stay in it.
// An unclosed parenthesis is an error naming its position (counted in
// characters from 1).
func lex(q string, groups bool) ([]token, error) {
	var out []token
	var cur strings.Builder
	inQuote, quoted, inList := false, false, false
	inner := 0     // parentheses opened inside the current word
	var open []int // positions of the open groups
	flush := func() {
		if cur.Len() > 0 || quoted {
			out = append(out, token{kind: tokWord, text: cur.String(), quoted: quoted})
		}
		cur.Reset()
		quoted, inList, inner = false, false, 0
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
		case c == '[' && i > 0 && q[i-1] == ':' && cur.Len() > 0:
			inList = true // key:[a, b] is one word
			cur.WriteByte(c)
		case c == ']' && inList:
			inList = false
			cur.WriteByte(c)
		case unicode.IsSpace(rune(c)) && inList:
			cur.WriteByte(c)
		case unicode.IsSpace(rune(c)):
			flush()
		case groups && c == '(' && cur.Len() == 0 && !quoted:
			if len(open) == MaxDepth {
				return nil, fmt.Errorf("parentheses nest deeper than %d (at character %d)", MaxDepth, position(q, i))
			}
			out = append(out, token{kind: tokOpen, text: "("})
			open = append(open, i)
		case groups && c == ')' && inner == 0 && len(open) > 0:
			flush()
			out = append(out, token{kind: tokClose, text: ")"})
			open = open[:len(open)-1]
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
	if len(open) > 0 {
		return nil, &UnclosedError{Position: position(q, open[len(open)-1])}
	}
	flush()
	return out, nil
}

// UnclosedError is a parenthesis opened and never closed.
type UnclosedError struct {
	Position int // in characters from 1
}

func (e *UnclosedError) Error() string {
	return fmt.Sprintf("a parenthesis is not closed: the one at character %d", e.Position)
}

// position is the 1-based character position of byte offset i of q.
func position(q string, i int) int { return utf8.RuneCountInString(q[:i]) + 1 }
