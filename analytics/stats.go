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
	YAxis       []string // count(), count_unique(user), p50() … p99(), failure_rate(), apdex()
	Filters     []EventTerm
	Text        string // part of the transaction name (transactions) or title (errors)
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

// yAxisExpr is the whitelist of aggregates: their SQL, and whether they
// need transactions.
func yAxisExpr(name string, apdex float64) (string, bool, error) {
	t := fmt.Sprintf("%g", apdex)
	switch name {
	case "count()":
		return "toFloat64(count())", false, nil
	case "count_unique(user)":
		return "toFloat64(uniqCombinedIf(user_key, user_key != ''))", false, nil
	case "p50()", "p75()", "p90()", "p95()", "p99()":
		return "toFloat64(quantileTDigest(0." + name[1:3] + ")(duration_ms))", true, nil
	case "failure_rate()":
		return "toFloat64(countIf(status NOT IN ('ok', 'cancelled', 'unknown')) / count())", true, nil
	case "apdex()":
		return "toFloat64((countIf(duration_ms <= " + t + ") + countIf(duration_ms > " + t + " AND duration_ms <= 4 * " + t + ") / 2) / count())", true, nil
	}
	return "", false, fmt.Errorf("%w: yAxis %q", ErrBadQuery, name)
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
	var exprs []string
	for _, y := range q.YAxis {
		e, needsTx, err := yAxisExpr(y, apdex)
		if err != nil {
			return nil, err
		}
		if needsTx && q.Dataset != "transactions" {
			return nil, fmt.Errorf("%w: %s needs the transactions dataset", ErrBadQuery, y)
		}
		exprs = append(exprs, e)
	}
	where := []string{"project_id IN ?", tsCol + " >= ?"}
	args := []any{projectSet(q.ProjectIDs), q.Since.UTC()}
	conds, condArgs := filterSQL(q.Dataset, q.Filters)
	where, args = append(where, conds...), append(args, condArgs...)
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
	rows, err := s.conn.Query(ctx, sql, args...)
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
