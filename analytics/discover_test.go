package analytics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
)

// hostile is text that must never reach a statement except as a bound value.
const hostile = "x'); DROP TABLE events; --"

// Whatever a caller writes in a field, a query or a sort, the statement's
// text holds only whitelisted names and numbers Go wrote: the caller's
// text is refused or bound.
func TestTableSQLHoldsNoCallerText(t *testing.T) {
	var s *analytics.Store // preparing never touches the store
	accepted := 0
	for _, q := range []analytics.TableQuery{
		{Fields: []string{"tags[" + hostile + "]"}},
		{Fields: []string{"count_if(transaction, equals, " + hostile + ")"}},
		{Fields: []string{"count_unique(tags[browser])", "avg(measurements.lcp)"}, Where: analytics.Cond{Key: "browser", Value: hostile}},
		{Fields: []string{"count()"}, Where: analytics.Cond{Op: "or", Args: []analytics.Cond{{Text: hostile}, {Key: "has", Value: "k"}}}},
		{Fields: []string{"count()"}, Where: analytics.Cond{Key: "transaction", Value: "[" + hostile + ", b]"}},
		{Fields: []string{"count()"}, Where: analytics.Cond{Key: "transaction", Value: hostile + "*"}},
		{Fields: []string{"count()"}, Where: analytics.Cond{Key: "count()", Value: ">" + hostile}},
		{Fields: []string{"percentile(transaction.duration, " + hostile + ")"}},
		{Fields: []string{"apdex(" + hostile + ")"}},
		{Fields: []string{"count()"}, Sort: []string{hostile}},
		{Fields: []string{"count()"}, Environments: []string{hostile}},
	} {
		q.Dataset, q.Since, q.Limit = "transactions", time.Now(), 10
		table, err := s.PrepareTable(q)
		if err != nil {
			continue
		}
		accepted++
		if strings.Contains(table.SQL(), "DROP") {
			t.Errorf("%+v: caller text in the statement: %s", q, table.SQL())
		}
	}
	if accepted < 6 { // the hostile text as tag values, list items, text…
		t.Errorf("only %d of the queries were accepted; the test checks too little", accepted)
	}
}

func FuzzPrepareTable(f *testing.F) {
	f.Add("count_if(transaction.duration, greater, 300)", "p95(transaction.duration)", "-count()", "browser", ">1s")
	f.Fuzz(func(t *testing.T, field1, field2, sort, key, value string) {
		var s *analytics.Store
		q := analytics.TableQuery{Dataset: "transactions", Since: time.Now(), Limit: 10, Fields: []string{field1, field2},
			Sort: []string{sort}, Where: analytics.Cond{Op: "and", Args: []analytics.Cond{{Key: key, Value: value}, {Text: value}}}}
		table, err := s.PrepareTable(q)
		if err != nil {
			return
		}
		// Only whitelisted names reach the text: a field's own text appears
		// only when it is a known column or function.
		if strings.Contains(table.SQL(), ";") {
			t.Errorf("%q %q %q %q %q: %s", field1, field2, sort, key, value, table.SQL())
		}
	})
}
