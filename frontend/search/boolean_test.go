package search

import (
	"reflect"
	"strings"
	"testing"
)

func term(key, value string, negate bool) Expr {
	return Expr{Term: &Term{Key: key, Value: value, Negate: negate}}
}

func TestParseBoolean(t *testing.T) {
	a, b, c := term("a", "1", false), term("b", "2", false), term("c", "3", false)
	cases := []struct {
		q    string
		want Expr
	}{
		{"", Expr{}},
		{"a:1", a},
		{"a:1 b:2", Expr{Op: "and", Args: []Expr{a, b}}},
		{"a:1 AND b:2", Expr{Op: "and", Args: []Expr{a, b}}},
		{"a:1 OR b:2", Expr{Op: "or", Args: []Expr{a, b}}},
		// AND binds tighter than OR.
		{"a:1 OR b:2 c:3", Expr{Op: "or", Args: []Expr{a, {Op: "and", Args: []Expr{b, c}}}}},
		{"(a:1 OR b:2) c:3", Expr{Op: "and", Args: []Expr{{Op: "or", Args: []Expr{a, b}}, c}}},
		{"((a:1))", a},
		{"!a:1", term("a", "1", true)},
		{"disk full a:1", Expr{Op: "and", Args: []Expr{{Text: "disk full"}, a}}},
		{`transaction:"GET /a (b)"`, term("transaction", "GET /a (b)", false)},
		{"p95(transaction.duration):>300", term("p95(transaction.duration)", ">300", false)},
		{"(count_if(transaction.duration,greater,300):>1 OR a:1)", Expr{Op: "or", Args: []Expr{term("count_if(transaction.duration,greater,300)", ">1", false), a}}},
		{"call f(x) now", Expr{Text: "call f(x) now"}},
		{"oops)", Expr{Text: "oops)"}},
		{`"OR"`, Expr{Text: "OR"}},
		{"TypeError: bad", Expr{Text: "TypeError: bad"}},
		// A list after a key is one word, spaces and all.
		{"a:[x, y] b:2", Expr{Op: "and", Args: []Expr{term("a", "[x, y]", false), b}}},
		{"(a:[x, y])", term("a", "[x, y]", false)},
		{"see [docs] here", Expr{Text: "see [docs] here"}},
	}
	for _, tc := range cases {
		got, err := ParseBoolean(tc.q)
		if err != nil {
			t.Errorf("ParseBoolean(%q): %v", tc.q, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseBoolean(%q) =\n%+v\nwant\n%+v", tc.q, got, tc.want)
		}
	}
}

func TestParseBooleanErrors(t *testing.T) {
	for q, want := range map[string]string{
		"(a:1":        "parenthesis is not closed",
		"a:1 OR":      "OR needs a condition on each side",
		"OR a:1":      "OR needs a condition on each side",
		"a:1 OR OR b": "OR needs a condition on each side",
		"AND a:1":     "AND needs a condition on each side",
		"a:1 AND":     "AND needs a condition on each side",
		"()":          "empty parentheses",
		`a:"open`:     "quote is not closed",
	} {
		if _, err := ParseBoolean(q); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseBoolean(%q) error %v, want one containing %q", q, err, want)
		}
	}
}

func FuzzParseBoolean(f *testing.F) {
	f.Add(`(a:1 OR !b:"x y") AND p95(transaction.duration):>1s text`)
	f.Fuzz(func(t *testing.T, q string) {
		_, _ = ParseBoolean(q)
	})
}
