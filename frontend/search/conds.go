package search

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// keyPattern is what a filter's key looks like; anything else before a
// colon ("TypeError(x)") is text.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$|^tags\[[^\]]+\]$`)

// condOf reads one key:value term. A key the syntax knows must have a
// value it understands (else the error names both); any other key is a
// tag, unless it cannot be one, in which case the term is text.
func condOf(t Term, now time.Time) (Cond, error) {
	c := Cond{Key: t.Key, Value: t.Value, Negate: t.Negate}
	written := t.Key + ":" + t.Value
	if t.Negate {
		written = "!" + written
	}
	text := Cond{Kind: KindText, Value: written}
	switch t.Key {
	case "is":
		if t.Value == "bookmarked" {
			c.Kind, c.Key, c.Value = KindBookmarks, "bookmarks", "me"
			return c, nil
		}
		for _, v := range Values(t.Value) {
			if !statuses[v] {
				return c, fmt.Errorf("is:%s: use is:unresolved, is:resolved, is:ignored or is:bookmarked", v)
			}
		}
		c.Kind = KindStatus
	case "level":
		c.Kind = KindLevel
	case "assigned", "assigned_to":
		c.Kind, c.Key = KindAssigned, "assigned"
	case "first-release", "firstRelease":
		c.Kind, c.Key = KindFirstRelease, "first-release"
	case "has":
		c.Kind = KindHas
	case "bookmarks":
		c.Kind = KindBookmarks
	case "firstSeen", "lastSeen", "age", "event.timestamp":
		r, err := parseRange(t.Value, now)
		if err != nil {
			return c, fmt.Errorf("%s:%s: %w", t.Key, t.Value, err)
		}
		c.Kind, c.Range = map[string]Kind{"firstSeen": KindFirstSeen, "age": KindFirstSeen, "lastSeen": KindLastSeen,
			"event.timestamp": KindEventTime}[t.Key], r
	case "times_seen", "timesSeen":
		cmp, n, err := parseCount(t.Value)
		if err != nil {
			return c, fmt.Errorf("%s:%s: %w", t.Key, t.Value, err)
		}
		c.Kind, c.Key, c.Cmp, c.Count = KindTimesSeen, "times_seen", cmp, n
	case "user.email", "environment", "release":
		c.Kind = KindTag
	default:
		if !keyPattern.MatchString(t.Key) || strings.HasPrefix(t.Value, "//") {
			// Not a key ("Error(x):"), or a pasted URL (http://...).
			return text, nil
		}
		c.Kind = KindTag
		if k, ok := strings.CutPrefix(t.Key, "tags["); ok {
			c.Key = strings.TrimSuffix(k, "]")
		}
	}
	return c, nil
}

// knownKeys are the keys with a meaning of their own; any other key is a
// tag.
var knownKeys = map[string]bool{"is": true, "level": true, "assigned": true, "assigned_to": true,
	"first-release": true, "firstRelease": true, "has": true, "firstSeen": true, "lastSeen": true, "age": true,
	"event.timestamp": true, "times_seen": true, "timesSeen": true, "user.email": true, "environment": true,
	"release": true, "bookmarks": true}

// noValue finds a known key written without a value ("level:"): a
// mistake, where "TypeError:" is text.
func noValue(toks []token) error {
	for _, t := range toks {
		key, ok := strings.CutSuffix(t.text, ":")
		if key = strings.TrimPrefix(key, "!"); ok && !t.quoted && knownKeys[key] {
			return fmt.Errorf("%s: has no value", key)
		}
	}
	return nil
}

// Values reads a value that may be Sentry's list, [a,b]: a condition on
// it holds for any of them (is:, level:, first-release:, assigned:, tags).
func Values(v string) []string {
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return []string{v}
	}
	var out []string
	for _, item := range strings.Split(v[1:len(v)-1], ",") {
		if item = strings.Trim(strings.TrimSpace(item), `"`); item != "" {
			out = append(out, item)
		}
	}
	if len(out) == 0 {
		return []string{v}
	}
	return out
}

// Listed reports whether a condition of this kind takes a list of values.
func (c Cond) Listed() bool {
	switch c.Kind {
	case KindStatus, KindLevel, KindAssigned, KindFirstRelease, KindTag:
		return true
	}
	return false
}

var statuses = map[string]bool{"unresolved": true, "resolved": true, "ignored": true}

// issueProperties are the keys of properties of issues, not of events.
var issueProperties = map[string]bool{"is": true, "assigned": true, "assigned_to": true, "bookmarks": true,
	"firstSeen": true, "lastSeen": true, "age": true, "first-release": true, "firstRelease": true,
	"times_seen": true, "timesSeen": true}

// IssueProperty reports whether key filters issues by a property of their
// own rather than of their events: the issue list sends its search to
// Discover to count events by issue, and Discover, which reads events,
// leaves these out when they are ANDed with the rest.
func IssueProperty(key string) bool { return issueProperties[key] }

// parseCount reads a count condition: >N, >=N, <N, <=N, =N or N.
func parseCount(v string) (string, int64, error) {
	cmp := "="
	for _, op := range []string{">=", "<=", ">", "<", "="} {
		if rest, ok := strings.CutPrefix(v, op); ok {
			cmp, v = op, rest
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || strings.TrimLeft(v, "0123456789") != "" {
		return "", 0, fmt.Errorf("%q is not a whole number (use times_seen:>10, >=, <, <= or =)", v)
	}
	return cmp, n, nil
}

var (
	eventID = regexp.MustCompile(`^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`)
	shortID = regexp.MustCompile(`^([A-Za-z0-9_][A-Za-z0-9_\-]*)-([A-Za-z0-9]{1,12})$`)
)

// lookupOf reads a query that is only an event id or a short id: that
// issue, or the issues whose title holds the same text, since a word such
// as "user-agent" looks like a short id too.
func lookupOf(q string) (Node, bool) {
	var c Cond
	switch {
	case eventID.MatchString(q):
		c = Cond{Kind: KindEventID, Key: "id", Value: strings.ToLower(strings.ReplaceAll(q, "-", ""))}
	case shortID.MatchString(q):
		m := shortID.FindStringSubmatch(q)
		n, err := strconv.ParseInt(m[2], 36, 64)
		if err != nil || n <= 0 {
			return Node{}, false
		}
		c = Cond{Kind: KindShortID, Key: strings.ToLower(m[1]), Value: q, Count: n}
	default:
		return Node{}, false
	}
	return Node{Op: "or", Args: []Node{leaf(c), leaf(Cond{Kind: KindText, Value: q})}}, true
}
