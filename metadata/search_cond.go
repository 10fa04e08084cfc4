package metadata

import (
	"fmt"
	"strings"
	"time"
)

// IssueCond is a condition of an issue search: one field compared with a
// value, or conditions joined by "and" or "or". Only the fields below ever
// become SQL; every value is a bound parameter.
type IssueCond struct {
	Op    string // "and" or "or" joins Args; "" compares Field
	Args  []IssueCond
	Not   bool
	Field string // see compile
	Cmp   string // times_seen, first_seen, last_seen: = > >= < <=
	Value any
}

// ShortID names an issue by its project's slug and its number there.
type ShortID struct {
	Project string
	Number  int64
}

// Issue condition fields, and the type of value each takes.
const (
	FieldStatus       = "status"           // []string
	FieldLevel        = "level"            // []string
	FieldFirstRelease = "first_release"    // []string
	FieldID           = "id"               // []int64
	FieldAssignee     = "assignee_id"      // []int64
	FieldTeam         = "assignee_team_id" // []int64
	FieldUnassigned   = "unassigned"       // nil
	FieldTimesSeen    = "times_seen"       // int64, with Cmp
	FieldFirstSeen    = "first_seen"       // time.Time, with Cmp
	FieldLastSeen     = "last_seen"        // time.Time, with Cmp
	FieldText         = "text"             // string: in the title or culprit
	FieldShortID      = "short_id"         // ShortID
	FieldBookmarkedBy = "bookmarked_by"    // []int64: bookmarked by any of these users
)

var comparisons = map[string]bool{"=": true, ">": true, ">=": true, "<": true, "<=": true}

// MatchAll and MatchNone are the conditions every and no issue meets.
var (
	MatchAll  = IssueCond{Op: "and"}
	MatchNone = IssueCond{Op: "or"}
)

// compile turns c into SQL over issues i and projects p, binding values
// with arg.
func (c IssueCond) compile(arg func(any) string) (string, error) {
	sql, err := c.compileBare(arg)
	if err != nil || !c.Not {
		return sql, err
	}
	// NOT of an unknown (a NULL first release) is true: the issue does not
	// have that value.
	return "(" + sql + ") IS NOT TRUE", nil
}

func (c IssueCond) compileBare(arg func(any) string) (string, error) {
	switch c.Op {
	case "and", "or":
		if len(c.Args) == 0 {
			return map[string]string{"and": "TRUE", "or": "FALSE"}[c.Op], nil
		}
		parts := make([]string, len(c.Args))
		for i, a := range c.Args {
			sql, err := a.compile(arg)
			if err != nil {
				return "", err
			}
			parts[i] = "(" + sql + ")"
		}
		return strings.Join(parts, " "+strings.ToUpper(c.Op)+" "), nil
	case "":
	default:
		return "", fmt.Errorf("issue condition: operator %q", c.Op)
	}
	wrong := fmt.Errorf("issue condition: %s takes no %T", c.Field, c.Value)
	switch c.Field {
	case FieldStatus, FieldLevel, FieldFirstRelease:
		v, ok := c.Value.([]string)
		if !ok {
			return "", wrong
		}
		return "i." + c.Field + " = ANY(" + arg(v) + ")", nil
	case FieldID, FieldAssignee, FieldTeam:
		v, ok := c.Value.([]int64)
		if !ok {
			return "", wrong
		}
		return "i." + c.Field + " = ANY(" + arg(v) + ")", nil
	case FieldUnassigned:
		return "i.assignee_id IS NULL AND i.assignee_team_id IS NULL", nil
	case FieldTimesSeen, FieldFirstSeen, FieldLastSeen:
		if !comparisons[c.Cmp] {
			return "", fmt.Errorf("issue condition: %s compared by %q", c.Field, c.Cmp)
		}
		switch c.Value.(type) {
		case int64:
			if c.Field != FieldTimesSeen {
				return "", wrong
			}
		case time.Time:
			if c.Field == FieldTimesSeen {
				return "", wrong
			}
		default:
			return "", wrong
		}
		return "i." + c.Field + " " + c.Cmp + " " + arg(c.Value), nil
	case FieldText:
		v, ok := c.Value.(string)
		if !ok {
			return "", wrong
		}
		return textMatch(v, arg), nil
	case FieldBookmarkedBy:
		v, ok := c.Value.([]int64)
		if !ok {
			return "", wrong
		}
		return "EXISTS (SELECT 1 FROM issue_bookmarks b WHERE b.issue_id = i.id AND b.user_id = ANY(" + arg(v) + "))", nil
	case FieldShortID:
		v, ok := c.Value.(ShortID)
		if !ok {
			return "", wrong
		}
		// A subquery rather than the projects join, so that the list's
		// total can count over issues alone.
		return "i.project_id IN (SELECT id FROM projects WHERE slug = " + arg(strings.ToLower(v.Project)) + ") AND i.short_id = " + arg(v.Number), nil
	}
	return "", fmt.Errorf("issue condition: unknown field %q", c.Field)
}
