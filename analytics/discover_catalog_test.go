package analytics

import (
	"strings"
	"testing"
	"time"
)

// exampleCall writes a call of fn with an argument of each kind that its
// dataset has.
func exampleCall(fn FunctionSpec, dataset string) string {
	var args []string
	for _, a := range fn.Args {
		switch a.Kind {
		case ArgColumn:
			args = append(args, "user")
		case ArgNumericColumn:
			args = append(args, map[string]string{"transactions": "transaction.duration", "errors": "issue.id"}[dataset])
		case ArgNumber:
			args = append(args, a.Default)
		case ArgOperator:
			args = append(args, "equals")
		case ArgValue:
			args = append(args, "someone")
		case ArgUser:
			args = append(args, "user")
		}
	}
	return fn.Name + "(" + strings.Join(args, ", ") + ")"
}

// TestCatalogFunctionsCompile: every function the catalog offers compiles
// on each dataset it names, with arguments of the kinds it names, so the
// query builder generated from the catalog offers nothing the store
// refuses; and a name outside the catalog is refused.
func TestCatalogFunctionsCompile(t *testing.T) {
	s := &Store{}
	since := time.Now().Add(-time.Hour)
	for _, fn := range Catalog().Functions {
		for _, dataset := range fn.Datasets {
			call := exampleCall(fn, dataset)
			if _, err := s.PrepareTable(TableQuery{Dataset: dataset, Since: since, Fields: []string{call}}); err != nil {
				t.Errorf("%s on %s: %v", call, dataset, err)
			}
			env := aggregateEnv{dataset: dataset, apdexMillis: 300, periodMinutes: 60}
			if _, err := yAxisExpr(call, env); (err == nil) == fn.Date {
				t.Errorf("%s on %s charted: %v; the catalog says date=%v", call, dataset, err, fn.Date)
			}
		}
	}
	for _, name := range []string{"eps()", "median()", "count_web_vitals()"} {
		if _, err := s.PrepareTable(TableQuery{Dataset: "transactions", Since: since, Fields: []string{name}}); err == nil || !strings.Contains(err.Error(), "unknown function") {
			t.Errorf("%s: %v, want unknown function", name, err)
		}
	}
}

// TestCatalogColumnsAreColumns: every column the catalog lists reads on
// its dataset, and those it calls numeric average.
func TestCatalogColumnsAreColumns(t *testing.T) {
	s := &Store{}
	for dataset, cols := range Catalog().Columns {
		for _, c := range cols {
			fields := []string{c.Name}
			if c.Numeric {
				fields = append(fields, "avg("+c.Name+")")
			}
			if _, err := s.PrepareTable(TableQuery{Dataset: dataset, Since: time.Now(), Fields: fields}); err != nil {
				t.Errorf("%s on %s: %v", c.Name, dataset, err)
			}
		}
	}
}
