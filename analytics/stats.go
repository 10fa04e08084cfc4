package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// SeriesQuery asks for aggregates over time. Every name in it is checked
// against a whitelist; values reach ClickHouse only as bound parameters.
type SeriesQuery struct {
	Dataset     string // "transactions" or "errors"
	ProjectIDs  []uint64
	Since       time.Time
	Step        time.Duration
	YAxis       []string // Discover's functions that give numbers: count(), p95(transaction.duration), …
	Filters     []EventTerm
	Text        string // part of the transaction name (transactions) or title (errors)
	Where       Cond   // Discover's query, ANDed with Filters and Text
	GroupBy     string // "", or a field to split by: transaction, environment, release
	TopN        int
	ApdexMillis float64
}

// Series is one line of a chart: a value per bucket.
type Series struct {
	Group  string // the GroupBy value, "" when not split
	YAxis  string
	Values []float64 // one per bucket, from Since in steps of Step
}

var (
	groupColumns = map[string]map[string]string{
		"transactions": {"transaction": "name", "environment": "environment", "release": "release"},
		"errors":       {"environment": "environment", "release": "release", "level": "level"},
	}
	filterColumns = map[string]map[string]string{
		"transactions": {"transaction": "name", "environment": "environment", "release": "release", "transaction.op": "op", "transaction.status": "status"},
		"errors":       {"environment": "environment", "release": "release", "level": "level", "transaction": "transaction"},
	}
)

// yAxisExpr compiles a chart's aggregate: any Discover function whose
// value is a number, as a Float64.
func yAxisExpr(name string, env aggregateEnv) (sqlExpr, error) {
	agg, err := compileFunction(name, env)
	if err != nil {
		return sqlExpr{}, fmt.Errorf("%w: yAxis: %v", ErrBadQuery, err)
	}
	if agg.typ == TypeString || agg.typ == TypeDate {
		return sqlExpr{}, fmt.Errorf("%w: yAxis: %s is not a number to chart", ErrBadQuery, name)
	}
	return sqlExpr{"toFloat64(" + agg.expr.sql + ")", agg.expr.args}, nil
}

// SeriesOf answers q: one series per yAxis, or per top group and yAxis.
func (s *Store) SeriesOf(ctx context.Context, q SeriesQuery) ([]Series, error) {
	if q.Dataset != "transactions" && q.Dataset != "errors" {
		return nil, fmt.Errorf("%w: dataset %q", ErrBadQuery, q.Dataset)
	}
	secs := uint32(q.Step / time.Second)
	if secs < 60 {
		return nil, fmt.Errorf("%w: intervals shorter than a minute", ErrBadQuery)
	}
	table, tsCol, textCol := "transactions", "start", "name"
	if q.Dataset == "errors" {
		table, tsCol, textCol = "events", "timestamp", "title"
	}
	apdex := q.ApdexMillis
	if apdex <= 0 {
		apdex = 300
	}
	env := aggregateEnv{dataset: q.Dataset, apdexMillis: apdex, periodMinutes: q.Step.Minutes()}
	var exprs []string
	var selectArgs []any
	for _, y := range q.YAxis {
		e, err := yAxisExpr(y, env)
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, e.sql)
		selectArgs = append(selectArgs, e.args...)
	}
	where := []string{"project_id IN ?", tsCol + " >= ?"}
	args := []any{projectSet(q.ProjectIDs), q.Since.UTC()}
	conds, condArgs := filterSQL(q.Dataset, q.Filters)
	where, args = append(where, conds...), append(args, condArgs...)
	wheres, having, err := compileQuery(q.Where, q.Dataset, textCol, env)
	if err != nil {
		return nil, fmt.Errorf("%w: query: %v", ErrBadQuery, err)
	}
	if len(having) > 0 {
		return nil, fmt.Errorf("%w: query: charts do not filter on functions; use Discover's table", ErrBadQuery)
	}
	for _, w := range wheres {
		where, args = append(where, "("+w.sql+")"), append(args, w.args...)
	}
	if q.Text != "" {
		where = append(where, "positionCaseInsensitive("+textCol+", ?) > 0")
		args = append(args, q.Text)
	}
	group := "''"
	if q.GroupBy != "" {
		col, ok := groupColumns[q.Dataset][q.GroupBy]
		if !ok {
			return nil, fmt.Errorf("%w: cannot split %s by %q", ErrBadQuery, q.Dataset, q.GroupBy)
		}
		group = col
		if q.TopN > 0 {
			// Only the top N groups by count over the whole period.
			where = append(where, col+" IN (SELECT "+col+" FROM "+table+" WHERE "+strings.Join(where, " AND ")+
				" GROUP BY "+col+" ORDER BY count() DESC LIMIT ?)")
			args = append(args, args...)
			args = append(args, q.TopN)
		}
	}
	sql := fmt.Sprintf(`SELECT toUInt64(intDiv(toUInt32(%s), %d) * %d) AS bucket, toString(%s) AS grp, %s
		FROM %s WHERE %s
		GROUP BY bucket, grp ORDER BY grp, bucket`,
		tsCol, secs, secs, group, strings.Join(exprs, ", "), table, strings.Join(where, " AND "))
	rows, err := s.conn.Query(ctx, sql, append(selectArgs, args...)...)
	if err != nil {
		return nil, fmt.Errorf("query series: %w", err)
	}
	defer rows.Close()
	start := q.Since.Unix() / int64(secs) * int64(secs)
	n := int((time.Now().Unix()-start)/int64(secs)) + 1
	byGroup := map[string][]Series{}
	var order []string
	for rows.Next() {
		var bucket uint64
		var grp string
		vals := make([]float64, len(exprs))
		dest := []any{&bucket, &grp}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read series: %w", err)
		}
		if _, ok := byGroup[grp]; !ok {
			order = append(order, grp)
			for _, y := range q.YAxis {
				byGroup[grp] = append(byGroup[grp], Series{Group: grp, YAxis: y, Values: make([]float64, n)})
			}
		}
		i := int((int64(bucket) - start) / int64(secs))
		if i < 0 || i >= n {
			continue
		}
		for j := range vals {
			byGroup[grp][j].Values[i] = vals[j]
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	var out []Series
	for _, g := range order {
		out = append(out, byGroup[g]...)
	}
	if len(out) == 0 && q.GroupBy == "" {
		for _, y := range q.YAxis {
			out = append(out, Series{YAxis: y, Values: make([]float64, n)})
		}
	}
	return out, nil
}
