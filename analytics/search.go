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
	// From and To bound the event's time for Key "event.timestamp";
	// either may be zero.
	From, To time.Time
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

// eventSQL is sql with the keys only issue search asks about, columns of
// the events table alone: an event id, a time range, a user's email.
func (t EventTerm) eventSQL() (string, []any) {
	switch t.Key {
	case "user.email":
		// user_key holds the email of a user without an id, and the only
		// email of rows written before user_email existed.
		if t.Value == "" {
			return "(user_email != '' OR user_key LIKE 'email:%')", nil
		}
		return "(lower(user_email) = ? OR lower(user_key) = ?)", []any{strings.ToLower(t.Value), "email:" + strings.ToLower(t.Value)}
	case "event.id":
		return "event_id = ?", []any{t.Value}
	case "event.timestamp":
		cond, args := "1", []any(nil)
		if !t.From.IsZero() {
			cond, args = cond+" AND timestamp >= ?", append(args, t.From.UTC())
		}
		if !t.To.IsZero() {
			cond, args = cond+" AND timestamp < ?", append(args, t.To.UTC())
		}
		return cond, args
	}
	return t.sql()
}

// IssuesWithEventSets answers which issues have events matching terms,
// for several sets of terms in one pass over the events: for each set, the
// ids of issues with an event, since a time, meeting every term of it.
func (s *Store) IssuesWithEventSets(ctx context.Context, projectIDs []uint64, since time.Time, sets [][]EventTerm) ([][]uint64, error) {
	out := make([][]uint64, len(sets))
	if len(sets) == 0 {
		return out, nil
	}
	conds := make([]string, len(sets))
	var condArgs []any
	for i, set := range sets {
		parts := []string{"1"}
		for _, t := range set {
			c, a := t.eventSQL()
			parts = append(parts, "("+c+")")
			condArgs = append(condArgs, a...)
		}
		conds[i] = strings.Join(parts, " AND ")
	}
	selects := make([]string, len(sets))
	for i, c := range conds {
		selects[i] = "max(" + c + ")"
	}
	args := append(append(append([]any{}, condArgs...), projectSet(projectIDs), since.UTC()), condArgs...)
	rows, err := s.conn.Query(ctx, `SELECT issue_id, `+strings.Join(selects, ", ")+` FROM events
		WHERE project_id IN ? AND timestamp >= ? AND ((`+strings.Join(conds, ") OR (")+`))
		GROUP BY issue_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("search events: %w", err)
	}
	defer rows.Close()
	var id uint64
	met := make([]uint8, len(sets))
	dest := []any{&id}
	for i := range met {
		dest = append(dest, &met[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("search events: %w", err)
		}
		for i, m := range met {
			if m != 0 {
				out[i] = append(out[i], id)
			}
		}
	}
	return out, rows.Err()
}
