package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// TableQuery is a Discover-style table: plain fields group the rows,
// aggregate fields (count(), p95(), …) summarize each group; without
// aggregates it lists events. Every name is checked against a whitelist and
// every value is a bound parameter.
type TableQuery struct {
	Dataset     string
	ProjectIDs  []uint64
	Since       time.Time
	Fields      []string
	Filters     []EventTerm
	Text        string
	Sort        string // a field, "-" for descending
	Limit       int
	Offset      int
	ApdexMillis float64
}

var plainColumns = map[string]map[string]string{
	"transactions": {"transaction": "name", "environment": "environment", "release": "release", "transaction.op": "op",
		"transaction.status": "status", "http.status_code": "http_status", "user": "user_key", "id": "event_id",
		"transaction.duration": "duration_ms", "timestamp": "start", "trace": "trace_id"},
	"errors": {"title": "title", "environment": "environment", "release": "release", "level": "level", "platform": "platform",
		"transaction": "transaction", "user": "user_key", "id": "event_id", "timestamp": "timestamp", "message": "message",
		"issue.id": "issue_id"},
}

// PreparedTable is a TableQuery checked and compiled to SQL, ready to run.
type PreparedTable struct {
	store     *Store
	sql       string
	args      []any
	columns   int
	aggregate bool
}

// Table runs q and calls row for each result row, as strings, in order:
// rows are streamed, never all held in memory.
func (s *Store) Table(ctx context.Context, q TableQuery, row func([]string) error) error {
	t, err := s.PrepareTable(q)
	if err != nil {
		return err
	}
	return t.Run(ctx, row)
}

// PrepareTable checks q against the whitelists and compiles it without
// asking ClickHouse anything, so a request's mistakes show before a
// response starts.
func (s *Store) PrepareTable(q TableQuery) (*PreparedTable, error) {
	table, tsCol, textCol := "transactions", "start", "name"
	if q.Dataset == "errors" {
		table, tsCol, textCol = "events", "timestamp", "title"
	} else if q.Dataset != "transactions" {
		return nil, fmt.Errorf("%w: dataset %q", ErrBadQuery, q.Dataset)
	}
	if len(q.Fields) == 0 {
		return nil, fmt.Errorf("%w: name at least one field", ErrBadQuery)
	}
	apdex := q.ApdexMillis
	if apdex <= 0 {
		apdex = 300
	}
	var selects, groups []string
	var selectArgs []any
	aliases := map[string]string{}
	sortExpr := map[string]string{} // what a field sorts by: its raw column, or its aggregate as a number
	hasAggregate := false
	for i, f := range q.Fields {
		alias := fmt.Sprintf("f%d", i)
		aliases[f] = alias
		if key, ok := tagField(f); ok {
			// A tag's value, by key; the key is a bound value too.
			selects = append(selects, "tags.value[indexOf(tags.key, ?)] AS "+alias)
			selectArgs = append(selectArgs, key)
			groups = append(groups, alias)
			sortExpr[f] = alias
			continue
		}
		if col, ok := plainColumns[q.Dataset][f]; ok {
			selects = append(selects, "toString("+col+") AS "+alias)
			groups = append(groups, alias)
			sortExpr[f] = col
			continue
		}
		expr, needsTx, err := yAxisExpr(f, apdex)
		if err != nil {
			return nil, fmt.Errorf("%w: field %q", ErrBadQuery, f)
		}
		if needsTx && q.Dataset != "transactions" {
			return nil, fmt.Errorf("%w: %s needs the transactions dataset", ErrBadQuery, f)
		}
		selects = append(selects, "toString("+expr+") AS "+alias)
		sortExpr[f] = "toFloat64OrZero(" + alias + ")"
		hasAggregate = true
	}
	where := []string{"project_id IN ?", tsCol + " >= ?"}
	args := append(selectArgs, projectSet(q.ProjectIDs), q.Since.UTC())
	conds, condArgs := filterSQL(q.Dataset, q.Filters)
	where, args = append(where, conds...), append(args, condArgs...)
	if q.Text != "" {
		where = append(where, "positionCaseInsensitive("+textCol+", ?) > 0")
		args = append(args, q.Text)
	}
	order := tsCol + " DESC"
	if hasAggregate {
		order = sortExpr[q.Fields[len(q.Fields)-1]] + " DESC"
	}
	if q.Sort != "" {
		expr, ok := sortExpr[strings.TrimPrefix(q.Sort, "-")]
		if !ok {
			return nil, fmt.Errorf("%w: sort by %q, which is not a field", ErrBadQuery, q.Sort)
		}
		if hasAggregate {
			// Grouped rows sort by what they show: group columns as text.
			if _, plain := plainColumns[q.Dataset][strings.TrimPrefix(q.Sort, "-")]; plain {
				expr = aliases[strings.TrimPrefix(q.Sort, "-")]
			}
		}
		order = expr
		if strings.HasPrefix(q.Sort, "-") {
			order += " DESC"
		}
	}
	sql := "SELECT " + strings.Join(selects, ", ") + " FROM " + table + " WHERE " + strings.Join(where, " AND ")
	if hasAggregate && len(groups) > 0 {
		sql += " GROUP BY " + strings.Join(groups, ", ")
	}
	sql += " ORDER BY " + order + " LIMIT ?, ?"
	args = append(args, q.Offset, q.Limit)
	if !hasAggregate {
		// Plain rows: order by the raw column where the sort names one.
		sql = strings.Replace(sql, " FROM "+table+" WHERE", ", "+tsCol+" FROM "+table+" WHERE", 1)
	}
	return &PreparedTable{store: s, sql: sql, args: args, columns: len(selects), aggregate: hasAggregate}, nil
}

// Run streams the table's rows to row.
func (t *PreparedTable) Run(ctx context.Context, row func([]string) error) error {
	rows, err := t.store.conn.Query(ctx, t.sql, t.args...)
	if err != nil {
		return fmt.Errorf("query table: %w", err)
	}
	defer rows.Close()
	n, hasAggregate := t.columns, t.aggregate
	for rows.Next() {
		vals := make([]string, n)
		dest := make([]any, n, n+1)
		for i := range vals {
			dest[i] = &vals[i]
		}
		if !hasAggregate {
			var ts time.Time
			dest = append(dest, &ts)
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read table: %w", err)
		}
		if err := row(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// tagField reads a tags[key] field: Discover's way to show or group by a
// tag. Keys are what Sentry allows: letters, digits and _ . : -.
func tagField(f string) (string, bool) {
	key, ok := strings.CutPrefix(f, "tags[")
	if !ok || !strings.HasSuffix(key, "]") {
		return "", false
	}
	key = strings.TrimSuffix(key, "]")
	if key == "" || len(key) > 200 {
		return "", false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.:-", r)) {
			return "", false
		}
	}
	return key, true
}
