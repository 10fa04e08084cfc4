package analytics

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cond is a condition of a Discover query: a key:value term, free text,
// or conditions joined by AND or OR. Keys are columns, tags, has, or
// functions (which filter groups, and must be ANDed with the rest).
type Cond struct {
	Op     string // "and" or "or" for a group, "" for a leaf
	Args   []Cond
	Key    string // a leaf's column, tag, "has" or function; "" for free text
	Value  string
	Negate bool
	Text   string
}

// compileQuery splits c into the conditions on rows (WHERE) and those on
// aggregates (HAVING), which only a top-level AND may hold.
func compileQuery(c Cond, dataset, textCol string, env aggregateEnv) (where, having []sqlExpr, err error) {
	top := []Cond{c}
	if c.Op == "and" {
		top = c.Args
	}
	for _, t := range top {
		if t.Op == "" && t.Key != "" {
			if _, _, isFn := splitFunction(t.Key); isFn {
				h, err := compileAggregateCond(t, env)
				if err != nil {
					return nil, nil, err
				}
				having = append(having, h)
				continue
			}
		}
		w, err := compileCond(t, dataset, textCol)
		if err != nil {
			return nil, nil, err
		}
		if w.sql != "1" { // an empty query, or one whose terms were all left out
			where = append(where, w)
		}
	}
	return where, having, nil
}

func compileCond(c Cond, dataset, textCol string) (sqlExpr, error) {
	switch c.Op {
	case "and", "or":
		if len(c.Args) == 0 {
			return sqlExpr{sql: "1"}, nil
		}
		var parts []string
		var args []any
		for _, a := range c.Args {
			e, err := compileCond(a, dataset, textCol)
			if err != nil {
				return e, err
			}
			parts = append(parts, "("+e.sql+")")
			args = append(args, e.args...)
		}
		return sqlExpr{strings.Join(parts, " "+strings.ToUpper(c.Op)+" "), args}, nil
	case "":
	default:
		return sqlExpr{}, fmt.Errorf("condition operator %q", c.Op)
	}
	var e sqlExpr
	var err error
	switch {
	case c.Key == "":
		if c.Text == "" {
			return sqlExpr{sql: "1"}, nil
		}
		e = sqlExpr{"positionCaseInsensitive(" + textCol + ", ?) > 0", []any{c.Text}}
	case c.Key == "has":
		e, err = hasCond(dataset, c.Value)
	default:
		if _, _, isFn := splitFunction(c.Key); isFn {
			return e, fmt.Errorf("%s: a condition on a function must be ANDed with the rest of the query, not inside OR or parentheses", c.Key)
		}
		e, err = termCond(dataset, c.Key, c.Value)
	}
	if err != nil {
		return e, err
	}
	if c.Negate {
		e.sql = "NOT (" + e.sql + ")"
	}
	return e, nil
}

// reservedPrefixes name Sentry's own event properties, never SDK tags
// (unlike os.name or browser.name): a key under them that is not a column
// here is a mistake or a property Faultline does not keep, and matching it
// as a tag would silently find nothing.
var reservedPrefixes = []string{"transaction.", "http.", "event.", "issue.", "project.", "error.", "stack.", "user.",
	"span.", "trace.", "measurements."}

// fieldForCondition is a column by name; any other well-formed key is a
// tag, as in Sentry's search.
func fieldForCondition(dataset, key string) (field, error) {
	f, err := lookupField(dataset, key)
	if err == nil {
		return f, nil
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(key, p) {
			return f, err
		}
	}
	if validKey(key) {
		return lookupField(dataset, "tags["+key+"]")
	}
	return f, err
}

func hasCond(dataset, key string) (sqlExpr, error) {
	f, err := fieldForCondition(dataset, key)
	if err != nil {
		return sqlExpr{}, fmt.Errorf("has:%s: %w", key, err)
	}
	switch {
	case f.present.sql != "":
		return f.present, nil
	case f.typ == TypeString:
		return sqlExpr{f.read.sql + " != ''", f.read.args}, nil
	}
	return sqlExpr{sql: "1"}, nil
}

// termCond compiles key:value. Numbers and times take >, >=, <, <=;
// durations take units (300ms, 1.5s, 2m); text takes [a,b] lists and *
// wildcards.
func termCond(dataset, key, value string) (sqlExpr, error) {
	f, err := fieldForCondition(dataset, key)
	if err != nil {
		return sqlExpr{}, err
	}
	c := f.compared()
	args := append([]any{}, c.args...)
	var e sqlExpr
	list, isList := listValue(value)
	switch {
	case f.numeric || f.date:
		op, rest := comparator(value)
		var v any
		if f.date {
			v, err = parseConditionTime(rest)
		} else {
			v, err = parseNumber(rest, f.unit)
		}
		if err != nil {
			return e, fmt.Errorf("%s:%s: %w", key, value, err)
		}
		e = sqlExpr{c.sql + " " + op + " ?", append(args, v)}
	case isList:
		e = sqlExpr{c.sql + " IN ?", append(args, setOf(list))}
	case key == "user" && !strings.Contains(value, ":"):
		// user:42 matches whichever of id, email or name is 42.
		e = sqlExpr{c.sql + " LIKE ?", append(args, "%:"+likeEscape(value))}
	case strings.Contains(value, "*"):
		e = sqlExpr{c.sql + " LIKE ?", append(args, strings.ReplaceAll(likeEscape(value), "*", "%"))}
	default:
		e = sqlExpr{c.sql + " = ?", append(args, value)}
	}
	if f.present.sql != "" && (f.numeric || f.date) {
		e = sqlExpr{f.present.sql + " AND " + e.sql, append(append([]any{}, f.present.args...), e.args...)}
	}
	return e, nil
}

// compileAggregateCond compiles p95(transaction.duration):>300 and the
// like, for HAVING.
func compileAggregateCond(c Cond, env aggregateEnv) (sqlExpr, error) {
	agg, err := compileFunction(c.Key, env)
	if err != nil {
		return sqlExpr{}, err
	}
	if agg.typ == TypeString || agg.typ == TypeDate {
		return sqlExpr{}, fmt.Errorf("%s:%s: only numeric functions can be compared", c.Key, c.Value)
	}
	op, rest := comparator(c.Value)
	n, err := parseNumber(strings.TrimSuffix(rest, "%"), agg.unit)
	if err != nil {
		return sqlExpr{}, fmt.Errorf("%s:%s: %w", c.Key, c.Value, err)
	}
	if agg.typ == TypePercentage && strings.HasSuffix(rest, "%") {
		n /= 100
	}
	e := sqlExpr{agg.expr.sql + " " + op + " ?", append(append([]any{}, agg.expr.args...), n)}
	if c.Negate {
		e.sql = "NOT (" + e.sql + ")"
	}
	return e, nil
}

func comparator(v string) (op, rest string) {
	for _, op := range []string{">=", "<=", ">", "<"} {
		if r, ok := strings.CutPrefix(v, op); ok {
			return op, r
		}
	}
	return "=", v
}

// parseNumber reads a number; for durations, in milliseconds, or with a
// unit: ms, s, m (minutes), h, d.
func parseNumber(v, unit string) (float64, error) {
	scale := 1.0
	if unit == "millisecond" {
		for _, u := range []struct {
			suffix string
			ms     float64
		}{{"ms", 1}, {"s", 1000}, {"min", 60_000}, {"m", 60_000}, {"h", 3_600_000}, {"d", 86_400_000}} {
			if n, ok := strings.CutSuffix(v, u.suffix); ok {
				v, scale = n, u.ms
				break
			}
		}
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n != n || n > 1e15 || n < -1e15 {
		if unit == "millisecond" {
			return 0, fmt.Errorf("%q is not a duration such as 300, 300ms or 1.5s", v)
		}
		return 0, fmt.Errorf("%q is not a number", v)
	}
	return n * scale, nil
}

func parseConditionTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2006-01-02) or a time (RFC 3339)", v)
}

// listValue reads [a, b, c].
func listValue(v string) ([]string, bool) {
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return nil, false
	}
	var out []string
	for _, item := range strings.Split(v[1:len(v)-1], ",") {
		out = append(out, strings.TrimSpace(item))
	}
	return out, true
}

func likeEscape(v string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(v)
}

// validKey is a tag or measurement name as Sentry allows them: letters,
// digits and _ . : -, at most 200 characters.
func validKey(key string) bool {
	if key == "" || len(key) > 200 {
		return false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.:-", r)) {
			return false
		}
	}
	return true
}
