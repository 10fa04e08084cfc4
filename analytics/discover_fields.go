package analytics

import (
	"fmt"
	"strconv"
	"strings"
)

// Column types, as Sentry's Discover names them in a response's meta.
const (
	TypeString     = "string"
	TypeInteger    = "integer"
	TypeNumber     = "number"
	TypeDuration   = "duration"
	TypePercentage = "percentage"
	TypeDate       = "date"
	TypeRate       = "rate"
)

// Column describes one column of a Discover table: its name as asked for,
// its type and its unit ("millisecond" for durations, "1/minute" for
// rates, "" for none).
type Column struct {
	Name string
	Type string
	Unit string
}

// sqlExpr is a piece of SQL and the values bound to its placeholders, in
// order.
type sqlExpr struct {
	sql  string
	args []any
}

// field is a column or a tag: how to read it, how to compare it in a
// condition, and, for measurements, where it has a value at all.
type field struct {
	read    sqlExpr
	cmp     sqlExpr // what conditions compare; read unless set
	typ     string
	unit    string
	present sqlExpr // a condition true where the field has a value; empty when always
	numeric bool    // conditions take >, <, >=, <= and numbers
	date    bool
}

func (f field) compared() sqlExpr {
	if f.cmp.sql != "" {
		return f.cmp
	}
	return f.read
}

type catalogEntry struct {
	sql     string
	typ     string
	cmp     string // a column compared instead of sql, numerically
	numeric bool
}

// discoverColumns are the columns each dataset has, by Sentry's names.
// Only these names ever become SQL; everything else is a bound value.
var discoverColumns = map[string]map[string]catalogEntry{
	"transactions": {
		"transaction":          {sql: "name", typ: TypeString},
		"transaction.op":       {sql: "op", typ: TypeString},
		"transaction.status":   {sql: "status", typ: TypeString},
		"http.method":          {sql: "method", typ: TypeString},
		"http.status_code":     {sql: "toString(http_status)", typ: TypeString, cmp: "http_status"},
		"environment":          {sql: "environment", typ: TypeString},
		"release":              {sql: "release", typ: TypeString},
		"platform":             {sql: "platform", typ: TypeString},
		"user":                 {sql: "user_key", typ: TypeString},
		"id":                   {sql: "toString(event_id)", typ: TypeString},
		"trace":                {sql: "trace_id", typ: TypeString},
		"transaction.duration": {sql: "duration_ms", typ: TypeDuration, numeric: true},
		"timestamp":            {sql: "start", typ: TypeDate},
		"project.id":           {sql: "project_id", typ: TypeInteger, numeric: true},
		"event.type":           {sql: "'transaction'", typ: TypeString},
	},
	"errors": {
		"title":       {sql: "title", typ: TypeString},
		"message":     {sql: "message", typ: TypeString},
		"environment": {sql: "environment", typ: TypeString},
		"release":     {sql: "release", typ: TypeString},
		"level":       {sql: "level", typ: TypeString},
		"platform":    {sql: "platform", typ: TypeString},
		"transaction": {sql: "transaction", typ: TypeString},
		"user":        {sql: "user_key", typ: TypeString},
		"id":          {sql: "toString(event_id)", typ: TypeString},
		"timestamp":   {sql: "timestamp", typ: TypeDate},
		"issue.id":    {sql: "issue_id", typ: TypeInteger, numeric: true},
		"project.id":  {sql: "project_id", typ: TypeInteger, numeric: true},
		"event.type":  {sql: "'error'", typ: TypeString},
	},
}

// durationMeasurements are the measurements Sentry reports in
// milliseconds; any other measurement is a plain number.
var durationMeasurements = map[string]bool{"fp": true, "fcp": true, "lcp": true, "fid": true, "inp": true, "ttfb": true,
	"ttfb.requesttime": true, "app_start_cold": true, "app_start_warm": true, "time_to_initial_display": true,
	"time_to_full_display": true}

// lookupField finds a dataset's column, a measurements.<name> of a
// transaction, or a tags[key].
func lookupField(dataset, name string) (field, error) {
	if e, ok := discoverColumns[dataset][name]; ok {
		f := field{read: sqlExpr{sql: e.sql}, typ: e.typ, numeric: e.numeric, date: e.typ == TypeDate}
		if e.typ == TypeDuration {
			f.unit = "millisecond"
		}
		if e.cmp != "" {
			f.cmp, f.numeric = sqlExpr{sql: e.cmp}, true
		}
		return f, nil
	}
	if m, ok := strings.CutPrefix(name, "measurements."); ok && validKey(m) {
		if dataset != "transactions" {
			return field{}, fmt.Errorf("%s: only transactions have measurements", name)
		}
		f := field{read: sqlExpr{"measurements.value[indexOf(measurements.name, ?)]", []any{m}}, typ: TypeNumber, numeric: true,
			present: sqlExpr{"has(measurements.name, ?)", []any{m}}}
		if durationMeasurements[m] {
			f.typ, f.unit = TypeDuration, "millisecond"
		}
		return f, nil
	}
	if key, ok := tagField(name); ok {
		return field{read: sqlExpr{"tags.value[indexOf(tags.key, ?)]", []any{key}}, typ: TypeString,
			present: sqlExpr{"has(tags.key, ?)", []any{key}}}, nil
	}
	for other, eventType := range map[string]string{"errors": "error", "transactions": "transaction"} {
		if _, ok := discoverColumns[other][name]; ok && other != dataset {
			return field{}, fmt.Errorf("%s is not a column of %s but of %s: add event.type:%s to the query", name, dataset, other, eventType)
		}
	}
	return field{}, fmt.Errorf("%s is not a column of %s", name, dataset)
}

// aggregate is a compiled function: its SQL, already cast to the Go type
// its column type scans into.
type aggregate struct {
	expr    sqlExpr
	typ     string
	unit    string
	needsTx bool
}

// aggregateEnv is what functions need beyond their arguments.
type aggregateEnv struct {
	dataset       string
	apdexMillis   float64
	periodMinutes float64
}

// splitFunction reads name(arg, …); ok is false for anything else.
func splitFunction(s string) (name string, args []string, ok bool) {
	open := strings.IndexByte(s, '(')
	if open <= 0 || !strings.HasSuffix(s, ")") {
		return "", nil, false
	}
	name = s[:open]
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return "", nil, false
		}
	}
	inner := strings.TrimSpace(s[open+1 : len(s)-1])
	if inner != "" {
		for _, a := range strings.Split(inner, ",") {
			args = append(args, strings.TrimSpace(a))
		}
	}
	return name, args, true
}

var percentileFunctions = map[string]string{"p50": "0.5", "p75": "0.75", "p90": "0.9", "p95": "0.95", "p99": "0.99", "p100": "1"}

// compileFunction compiles one of Discover's functions, or says which
// part of it it could not understand.
func compileFunction(s string, env aggregateEnv) (aggregate, error) {
	name, args, ok := splitFunction(s)
	if !ok {
		return aggregate{}, fmt.Errorf("%s is neither a column nor a function", s)
	}
	if !knownFunction(name) {
		return aggregate{}, fmt.Errorf("%s: unknown function %s()", s, name)
	}
	wantArgs := func(lo, hi int) error {
		if len(args) < lo || len(args) > hi {
			if lo == hi {
				return fmt.Errorf("%s: %s() takes %d argument(s)", s, name, lo)
			}
			return fmt.Errorf("%s: %s() takes %d to %d arguments", s, name, lo, hi)
		}
		return nil
	}
	// numericArg reads the column argument i, transaction.duration when
	// absent, and checks it holds numbers.
	numericArg := func(i int) (field, error) {
		col := "transaction.duration"
		if i < len(args) {
			col = args[i]
		}
		f, err := lookupField(env.dataset, col)
		if err != nil {
			return f, fmt.Errorf("%s: %w", s, err)
		}
		if !f.numeric {
			return f, fmt.Errorf("%s: %s is not a number", s, col)
		}
		return f, nil
	}
	switch name {
	case "count":
		if err := wantArgs(0, 0); err != nil {
			return aggregate{}, err
		}
		return aggregate{expr: sqlExpr{sql: "toInt64(count())"}, typ: TypeInteger}, nil
	case "count_unique":
		if err := wantArgs(1, 1); err != nil {
			return aggregate{}, err
		}
		f, err := lookupField(env.dataset, args[0])
		if err != nil {
			return aggregate{}, fmt.Errorf("%s: %w", s, err)
		}
		if f.typ == TypeString {
			return aggregate{expr: ifAgg("toInt64(uniqCombinedIf(", f.read, sqlExpr{f.read.sql + " != ''", f.read.args}, "))"), typ: TypeInteger}, nil
		}
		return aggregate{expr: ifAgg("toInt64(uniqCombinedIf(", f.read, presentOr(f), "))"), typ: TypeInteger}, nil
	case "p50", "p75", "p90", "p95", "p99", "p100", "percentile":
		level, col := percentileFunctions[name], 0
		if name == "percentile" {
			if err := wantArgs(2, 2); err != nil {
				return aggregate{}, err
			}
			q, err := strconv.ParseFloat(args[1], 64)
			if err != nil || q < 0 || q > 1 {
				return aggregate{}, fmt.Errorf("%s: the percentile is a number from 0 to 1", s)
			}
			level = strconv.FormatFloat(q, 'f', -1, 64) // a number written by Go, never the caller's text
		} else if err := wantArgs(0, 1); err != nil {
			return aggregate{}, err
		}
		f, err := numericArg(col)
		if err != nil {
			return aggregate{}, err
		}
		return aggregate{expr: ifAgg("toFloat64(quantileTDigestIf("+level+")(", f.read, presentOr(f), "))"),
			typ: f.typ, unit: f.unit, needsTx: env.dataset == "transactions"}, nil
	case "avg", "min", "max", "sum":
		if err := wantArgs(1, 1); err != nil {
			return aggregate{}, err
		}
		f, err := numericArg(0)
		if err != nil {
			return aggregate{}, err
		}
		typ := f.typ
		if typ == TypeInteger && name == "avg" {
			typ = TypeNumber
		}
		return aggregate{expr: ifAgg("toFloat64("+name+"If(", f.read, presentOr(f), "))"), typ: typ, unit: f.unit}, nil
	case "failure_count", "failure_rate":
		if err := wantArgs(0, 0); err != nil {
			return aggregate{}, err
		}
		if env.dataset != "transactions" {
			return aggregate{}, fmt.Errorf("%s needs the transactions dataset (event.type:transaction)", s)
		}
		failed := "countIf(status NOT IN ('ok', 'cancelled', 'unknown'))"
		if name == "failure_count" {
			return aggregate{expr: sqlExpr{sql: "toInt64(" + failed + ")"}, typ: TypeInteger, needsTx: true}, nil
		}
		return aggregate{expr: sqlExpr{sql: "toFloat64(" + failed + " / count())"}, typ: TypePercentage, needsTx: true}, nil
	case "epm", "tpm":
		if err := wantArgs(0, 0); err != nil {
			return aggregate{}, err
		}
		return aggregate{expr: sqlExpr{"toFloat64(count() / ?)", []any{max(env.periodMinutes, 1.0/60)}}, typ: TypeRate, unit: "1/minute"}, nil
	case "apdex", "count_miserable":
		return compileSatisfaction(s, name, args, env)
	case "count_if":
		return compileCountIf(s, args, env)
	case "last_seen":
		if err := wantArgs(0, 0); err != nil {
			return aggregate{}, err
		}
		ts, _ := lookupField(env.dataset, "timestamp")
		return aggregate{expr: sqlExpr{sql: "max(" + ts.read.sql + ")"}, typ: TypeDate}, nil
	}
	return aggregate{}, fmt.Errorf("%s: unknown function %s()", s, name)
}

// ifAgg writes prefix + value, cond + suffix: an -If aggregate whose
// condition limits it to the rows that have the value.
func ifAgg(prefix string, value, cond sqlExpr, suffix string) sqlExpr {
	if cond.sql == "1" {
		// Every row has it: the plain aggregate.
		return sqlExpr{sql: strings.Replace(prefix, "If(", "(", 1) + value.sql + suffix, args: value.args}
	}
	args := append(append([]any{}, value.args...), cond.args...)
	return sqlExpr{sql: prefix + value.sql + ", " + cond.sql + suffix, args: args}
}

// presentOr is the condition under which f has a value: always for columns.
func presentOr(f field) sqlExpr {
	if f.present.sql == "" {
		return sqlExpr{sql: "1"}
	}
	return f.present
}

// compileSatisfaction compiles apdex([T]) and count_miserable(user, T):
// a transaction is satisfied within T ms, tolerated within 4T, frustrated
// (its user miserable) beyond.
func compileSatisfaction(s, name string, args []string, env aggregateEnv) (aggregate, error) {
	if env.dataset != "transactions" {
		return aggregate{}, fmt.Errorf("%s needs the transactions dataset (event.type:transaction)", s)
	}
	threshold, given := env.apdexMillis, ""
	switch {
	case name == "apdex" && len(args) <= 1:
		if len(args) == 1 {
			given = args[0]
		}
	case name == "count_miserable" && len(args) == 2 && args[0] == "user":
		given = args[1]
	case name == "count_miserable":
		return aggregate{}, fmt.Errorf("%s: use count_miserable(user, <threshold in ms>)", s)
	default:
		return aggregate{}, fmt.Errorf("%s: use apdex(<threshold in ms>)", s)
	}
	if given != "" {
		t, err := strconv.ParseFloat(given, 64)
		if err != nil || t <= 0 || t > 1e9 {
			return aggregate{}, fmt.Errorf("%s: the threshold is a number of milliseconds above 0", s)
		}
		threshold = t
	}
	if threshold <= 0 {
		threshold = 300
	}
	t := strconv.FormatFloat(threshold, 'f', -1, 64) // written by Go from a parsed number
	if name == "count_miserable" {
		return aggregate{expr: sqlExpr{sql: "toInt64(uniqCombinedIf(user_key, user_key != '' AND duration_ms > 4 * " + t + "))"},
			typ: TypeInteger, needsTx: true}, nil
	}
	return aggregate{expr: sqlExpr{sql: "toFloat64((countIf(duration_ms <= " + t + ") + countIf(duration_ms > " + t +
		" AND duration_ms <= 4 * " + t + ") / 2) / count())"}, typ: TypeNumber, needsTx: true}, nil
}

var countIfOperators = map[string]string{"equals": "=", "notEquals": "!=", "less": "<", "greater": ">",
	"lessOrEquals": "<=", "greaterOrEquals": ">="}

// compileCountIf compiles count_if(column, operator, value).
func compileCountIf(s string, args []string, env aggregateEnv) (aggregate, error) {
	if len(args) != 3 {
		return aggregate{}, fmt.Errorf("%s: use count_if(<column>, equals|notEquals|less|greater|lessOrEquals|greaterOrEquals, <value>)", s)
	}
	f, err := lookupField(env.dataset, args[0])
	if err != nil {
		return aggregate{}, fmt.Errorf("%s: %w", s, err)
	}
	op, ok := countIfOperators[args[1]]
	if !ok {
		return aggregate{}, fmt.Errorf("%s: %q is not an operator; use equals, notEquals, less, greater, lessOrEquals or greaterOrEquals", s, args[1])
	}
	c := f.compared()
	var value any = args[2]
	switch {
	case f.numeric:
		n, err := parseNumber(args[2], f.unit)
		if err != nil {
			return aggregate{}, fmt.Errorf("%s: %w", s, err)
		}
		value = n
	case f.date:
		t, err := parseConditionTime(args[2])
		if err != nil {
			return aggregate{}, fmt.Errorf("%s: %w", s, err)
		}
		value = t
	case op != "=" && op != "!=":
		return aggregate{}, fmt.Errorf("%s: %s holds text; compare it with equals or notEquals", s, args[0])
	}
	cond := c.sql + " " + op + " ?"
	condArgs := append(append([]any{}, c.args...), value)
	if f.present.sql != "" {
		cond = f.present.sql + " AND " + cond
		condArgs = append(append([]any{}, f.present.args...), condArgs...)
	}
	return aggregate{expr: sqlExpr{"toInt64(countIf(" + cond + "))", condArgs}, typ: TypeInteger}, nil
}
