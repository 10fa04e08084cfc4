package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// EventTerm is a condition on events: a tag (or the environment or release
// column) having a value, or, with an empty Value, a tag being present.
type EventTerm struct {
	Key    string
	Value  string
	Negate bool // in charts and tables: the condition must not hold
}

// filterSQL compiles terms for a dataset: known fields by their column, the
// rest as tags, negated terms wrapped in NOT.
func filterSQL(dataset string, terms []EventTerm) ([]string, []any) {
	var where []string
	var args []any
	for _, t := range terms {
		cond, a := t.sql()
		if col, ok := filterColumns[dataset][t.Key]; ok {
			cond, a = col+" = ?", []any{t.Value}
			if t.Value == "" {
				cond, a = col+" != ''", nil
			}
		}
		if t.Negate {
			cond = "NOT (" + cond + ")"
		}
		where = append(where, cond)
		args = append(args, a...)
	}
	return where, args
}

func (t EventTerm) sql() (string, []any) {
	switch t.Key {
	case "environment", "release", "level", "platform", "transaction":
		if t.Value == "" {
			return t.Key + " != ''", nil
		}
		return t.Key + " = ?", []any{t.Value}
	case "user":
		if t.Value == "" {
			return "user_key != ''", nil
		}
		return "user_key LIKE ?", []any{"%:" + t.Value}
	}
	if t.Value == "" {
		return "has(tags.key, ?)", []any{t.Key}
	}
	return "tags.value[indexOf(tags.key, ?)] = ?", []any{t.Key, t.Value}
}

// IssuesWithEvents returns the ids of issues that have, since a time, an
// event meeting every term.
func (s *Store) IssuesWithEvents(ctx context.Context, projectIDs []uint64, since time.Time, terms []EventTerm) ([]uint64, error) {
	where := []string{"project_id IN ?", "timestamp >= ?"}
	args := []any{projectSet(projectIDs), since.UTC()}
	for _, t := range terms {
		cond, a := t.sql()
		where = append(where, cond)
		args = append(args, a...)
	}
	rows, err := s.conn.Query(ctx, `SELECT DISTINCT issue_id FROM events WHERE `+strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, fmt.Errorf("search events: %w", err)
	}
	defer rows.Close()
	var out []uint64
	for rows.Next() {
		var id uint64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("search events: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
