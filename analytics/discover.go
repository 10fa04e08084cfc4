package analytics

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
)

// TableQuery is a Discover table: plain fields group the rows, aggregate
// fields (count(), p95(transaction.duration), …) summarize each group;
// without aggregates it lists events. Every name is checked against a
// whitelist and every value is a bound parameter.
type TableQuery struct {
	Dataset      string // "transactions" or "errors"
	ProjectIDs   []uint64
	Since, Until time.Time // Until zero: up to now
	Environments []string  // any of these; none: every environment
	Fields       []string
	Where        Cond
	Sort         []string // selected fields, "-" first for descending
	Limit        int
	Offset       int
	ApdexMillis  float64
}

// PreparedTable is a TableQuery checked and compiled to SQL, ready to run.
type PreparedTable struct {
	store   *Store
	sql     string
	args    []any
	columns []Column
}

// Columns are the table's columns, in the order of the query's fields.
func (t *PreparedTable) Columns() []Column { return t.columns }

// Table runs q and calls row for each result row: rows are streamed,
// never all held in memory. Values are string, int64, float64 (nil for a
// number that does not exist, such as the average of nothing) or
// time.Time, as Columns' types say.
func (s *Store) Table(ctx context.Context, q TableQuery, row func([]any) error) error {
	t, err := s.PrepareTable(q)
	if err != nil {
		return err
	}
	return t.Run(ctx, row)
}

// PrepareTable checks q against the whitelists and compiles it without
// asking ClickHouse anything, so a request's mistakes show before a
// response starts. Its errors wrap ErrBadQuery and name the field,
// function or sort they could not use.
func (s *Store) PrepareTable(q TableQuery) (*PreparedTable, error) {
	table, tsCol, textCol := "transactions", "start", "name"
	if q.Dataset == "errors" {
		table, tsCol, textCol = "events", "timestamp", "title"
	} else if q.Dataset != "transactions" {
		return nil, fmt.Errorf("%w: dataset %q: use transactions or errors", ErrBadQuery, q.Dataset)
	}
	if len(q.Fields) == 0 {
		return nil, fmt.Errorf("%w: field: name at least one field", ErrBadQuery)
	}
	until := q.Until
	if until.IsZero() {
		until = time.Now()
	}
	env := aggregateEnv{dataset: q.Dataset, apdexMillis: q.ApdexMillis, periodMinutes: until.Sub(q.Since).Minutes()}
	var selects, groups []string
	var args []any
	aliases := map[string]string{}
	columns := make([]Column, 0, len(q.Fields))
	hasAggregate := false
	for i, name := range q.Fields {
		alias := fmt.Sprintf("f%d", i)
		if _, dup := aliases[name]; dup {
			return nil, fmt.Errorf("%w: field: %s is asked for twice", ErrBadQuery, name)
		}
		aliases[name] = alias
		if f, err := lookupField(q.Dataset, name); err == nil {
			selects = append(selects, castFor(f.typ, f.read.sql)+" AS "+alias)
			args = append(args, f.read.args...)
			groups = append(groups, alias)
			columns = append(columns, Column{Name: name, Type: f.typ, Unit: f.unit})
			continue
		} else if _, _, isFn := splitFunction(name); !isFn {
			return nil, fmt.Errorf("%w: field: %v", ErrBadQuery, err)
		}
		agg, err := compileFunction(name, env)
		if err != nil {
			return nil, fmt.Errorf("%w: field: %v", ErrBadQuery, err)
		}
		selects = append(selects, agg.expr.sql+" AS "+alias)
		args = append(args, agg.expr.args...)
		columns = append(columns, Column{Name: name, Type: agg.typ, Unit: agg.unit})
		hasAggregate = true
	}
	where := []string{"project_id IN ?", tsCol + " >= ?"}
	args = append(args, projectSet(q.ProjectIDs), q.Since.UTC())
	if !q.Until.IsZero() {
		where = append(where, tsCol+" <= ?")
		args = append(args, q.Until.UTC())
	}
	if len(q.Environments) > 0 {
		where = append(where, "environment IN ?")
		args = append(args, setOf(q.Environments))
	}
	conds, having, err := compileQuery(q.Where, q.Dataset, textCol, env)
	if err != nil {
		return nil, fmt.Errorf("%w: query: %v", ErrBadQuery, err)
	}
	for _, c := range conds {
		where = append(where, "("+c.sql+")")
		args = append(args, c.args...)
	}
	if len(having) > 0 && !hasAggregate {
		return nil, fmt.Errorf("%w: query: a condition on a function needs a function among the fields", ErrBadQuery)
	}
	sql := "SELECT " + strings.Join(selects, ", ") + " FROM " + table + " WHERE " + strings.Join(where, " AND ")
	if hasAggregate && len(groups) > 0 {
		sql += " GROUP BY " + strings.Join(groups, ", ")
	}
	if len(having) > 0 {
		var hs []string
		for _, h := range having {
			hs = append(hs, "("+h.sql+")")
			args = append(args, h.args...)
		}
		sql += " HAVING " + strings.Join(hs, " AND ")
	}
	var order []string
	for _, s := range q.Sort {
		name, desc := strings.CutPrefix(s, "-")
		alias, ok := aliases[name]
		if !ok {
			return nil, fmt.Errorf("%w: sort: %s is not among the fields; add field=%s or sort by one of %s",
				ErrBadQuery, name, name, strings.Join(q.Fields, ", "))
		}
		if desc {
			alias += " DESC"
		}
		order = append(order, alias)
	}
	if len(order) == 0 {
		order = []string{tsCol + " DESC"}
		if hasAggregate {
			order = []string{aliases[q.Fields[len(q.Fields)-1]] + " DESC"}
		}
	}
	sql += " ORDER BY " + strings.Join(order, ", ") + " LIMIT ?, ?"
	args = append(args, q.Offset, q.Limit)
	return &PreparedTable{store: s, sql: sql, args: args, columns: columns}, nil
}

// castFor casts a column's SQL to the one ClickHouse type each column
// type scans from.
func castFor(typ, sql string) string {
	switch typ {
	case TypeString:
		return "toString(" + sql + ")"
	case TypeInteger:
		return "toInt64(" + sql + ")"
	case TypeDate:
		return "toDateTime(" + sql + ")"
	}
	return "toFloat64(" + sql + ")"
}

// Run streams the table's rows to row.
func (t *PreparedTable) Run(ctx context.Context, row func([]any) error) error {
	rows, err := t.store.conn.Query(ctx, t.sql, t.args...)
	if err != nil {
		return fmt.Errorf("query table: %w", err)
	}
	defer rows.Close()
	n := len(t.columns)
	strs, ints, floats, times := make([]string, n), make([]int64, n), make([]float64, n), make([]time.Time, n)
	dest := make([]any, n)
	for i, c := range t.columns {
		switch c.Type {
		case TypeString:
			dest[i] = &strs[i]
		case TypeInteger:
			dest[i] = &ints[i]
		case TypeDate:
			dest[i] = &times[i]
		default:
			dest[i] = &floats[i]
		}
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read table: %w", err)
		}
		vals := make([]any, n)
		for i, c := range t.columns {
			switch c.Type {
			case TypeString:
				vals[i] = strs[i]
			case TypeInteger:
				vals[i] = ints[i]
			case TypeDate:
				vals[i] = times[i].UTC()
			default:
				if f := floats[i]; !math.IsNaN(f) && !math.IsInf(f, 0) {
					vals[i] = f
				}
			}
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
	return key, validKey(key)
}
