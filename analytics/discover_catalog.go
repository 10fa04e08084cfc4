package analytics

import "sort"

// Argument kinds of Discover's functions, as a query builder asks for
// them.
const (
	ArgColumn        = "column"        // any column of the dataset
	ArgNumericColumn = "numericColumn" // a column holding numbers
	ArgNumber        = "number"        // a number typed in
	ArgOperator      = "operator"      // one of count_if's comparisons
	ArgValue         = "value"         // text or a number compared against
	ArgUser          = "user"          // the word user, nothing else
)

// FunctionArg is one argument of a Discover function.
type FunctionArg struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Optional bool   `json:"optional,omitempty"`
	// Default is what an absent optional argument means, for the builder
	// to show.
	Default string `json:"default,omitempty"`
}

// FunctionSpec is one of Discover's functions: the datasets it reads and
// the arguments it takes, in order.
type FunctionSpec struct {
	Name     string        `json:"name"`
	Args     []FunctionArg `json:"args"`
	Datasets []string      `json:"datasets"`
	// Date says the function's value is a time, which charts cannot draw;
	// every other function's is a number.
	Date bool `json:"date,omitempty"`
}

var (
	both     = []string{"errors", "transactions"}
	txOnly   = []string{"transactions"}
	duration = FunctionArg{Name: "column", Kind: ArgNumericColumn, Optional: true, Default: "transaction.duration"}
	numeric  = FunctionArg{Name: "column", Kind: ArgNumericColumn}
)

// discoverFunctions are the functions compileFunction compiles; a name not
// here is refused before it is compiled, so this list is the whole
// language, and the dashboard's query builder is generated from it.
var discoverFunctions = []FunctionSpec{
	{Name: "count", Datasets: both},
	{Name: "count_unique", Args: []FunctionArg{{Name: "column", Kind: ArgColumn}}, Datasets: both},
	{Name: "count_if", Args: []FunctionArg{{Name: "column", Kind: ArgColumn}, {Name: "operator", Kind: ArgOperator}, {Name: "value", Kind: ArgValue}}, Datasets: both},
	{Name: "p50", Args: []FunctionArg{duration}, Datasets: txOnly},
	{Name: "p75", Args: []FunctionArg{duration}, Datasets: txOnly},
	{Name: "p90", Args: []FunctionArg{duration}, Datasets: txOnly},
	{Name: "p95", Args: []FunctionArg{duration}, Datasets: txOnly},
	{Name: "p99", Args: []FunctionArg{duration}, Datasets: txOnly},
	{Name: "p100", Args: []FunctionArg{duration}, Datasets: txOnly},
	{Name: "percentile", Args: []FunctionArg{numeric, {Name: "percentile", Kind: ArgNumber, Default: "0.95"}}, Datasets: txOnly},
	{Name: "avg", Args: []FunctionArg{numeric}, Datasets: both},
	{Name: "sum", Args: []FunctionArg{numeric}, Datasets: both},
	{Name: "min", Args: []FunctionArg{numeric}, Datasets: both},
	{Name: "max", Args: []FunctionArg{numeric}, Datasets: both},
	{Name: "failure_count", Datasets: txOnly},
	{Name: "failure_rate", Datasets: txOnly},
	{Name: "apdex", Args: []FunctionArg{{Name: "threshold", Kind: ArgNumber, Optional: true, Default: "300"}}, Datasets: txOnly},
	{Name: "count_miserable", Args: []FunctionArg{{Name: "user", Kind: ArgUser}, {Name: "threshold", Kind: ArgNumber, Default: "300"}}, Datasets: txOnly},
	{Name: "epm", Datasets: both},
	{Name: "tpm", Datasets: txOnly},
	{Name: "last_seen", Datasets: both, Date: true},
}

// knownFunction says whether name is one of discoverFunctions.
func knownFunction(name string) bool {
	for _, f := range discoverFunctions {
		if f.Name == name {
			return true
		}
	}
	return false
}

// CountIfOperators are count_if's comparisons, sorted.
func CountIfOperators() []string {
	ops := make([]string, 0, len(countIfOperators))
	for op := range countIfOperators {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// CatalogColumn is a column of a dataset as a query builder lists it.
type CatalogColumn struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Numeric bool   `json:"numeric,omitempty"`
}

// DiscoverCatalog is the whole of what Discover reads: each dataset's
// columns, the functions and count_if's operators.
type DiscoverCatalog struct {
	Columns   map[string][]CatalogColumn `json:"columns"`
	Functions []FunctionSpec             `json:"functions"`
	Operators []string                   `json:"operators"`
}

// Catalog describes Discover's columns and functions, sorted so that it
// reads the same every time.
func Catalog() DiscoverCatalog {
	c := DiscoverCatalog{Columns: map[string][]CatalogColumn{}, Functions: discoverFunctions, Operators: CountIfOperators()}
	for dataset, cols := range discoverColumns {
		for name, e := range cols {
			if name == "event.type" {
				continue // the dataset itself, not worth a column
			}
			c.Columns[dataset] = append(c.Columns[dataset], CatalogColumn{Name: name, Type: e.typ, Numeric: e.numeric})
		}
		sort.Slice(c.Columns[dataset], func(i, j int) bool { return c.Columns[dataset][i].Name < c.Columns[dataset][j].Name })
	}
	return c
}
