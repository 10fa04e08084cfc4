package event

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

func TestParseSDKTransactions(t *testing.T) {
	cases := []struct {
		fixture, name, op, platform string
		spans                       int
	}{
		{"go_transaction", "GET /checkout/{id}", "http.server", "go", 3},
		{"node_transaction", "GET /checkout/:id", "http.server", "node", 3},
		{"python_transaction", "GET /checkout/<id>", "http.server", "python", 3},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tc.fixture + ".json")
			if err != nil {
				t.Fatal(err)
			}
			tx, err := ParseTransaction(b, Meta{EventID: "e", Received: received})
			if err != nil {
				t.Fatal(err)
			}
			if tx.Name != tc.name || tx.Op != tc.op || tx.Platform != tc.platform || len(tx.Spans) != tc.spans {
				t.Fatalf("got %q %q %q with %d spans", tx.Name, tx.Op, tx.Platform, len(tx.Spans))
			}
			if len(tx.TraceID) != 32 || tx.Duration <= 0 || tx.Start.IsZero() {
				t.Errorf("trace %q, duration %s, start %s", tx.TraceID, tx.Duration, tx.Start)
			}
			for _, s := range tx.Spans {
				if s.SelfTime < 0 || s.SelfTime > s.Duration {
					t.Errorf("span %s: self time %s outside 0..%s", s.Op, s.SelfTime, s.Duration)
				}
			}
		})
	}
}

func TestSpanSelfTime(t *testing.T) {
	at := func(ms int) string { return time.UnixMilli(1795303252000 + int64(ms)).UTC().Format(time.RFC3339Nano) }
	payload := `{"transaction":"t","start_timestamp":"` + at(0) + `","timestamp":"` + at(100) + `",
		"contexts":{"trace":{"trace_id":"0123456789abcdef0123456789abcdef","span_id":"root"}},
		"spans":[
		{"span_id":"a","parent_span_id":"root","op":"db","start_timestamp":"` + at(0) + `","timestamp":"` + at(50) + `"},
		{"span_id":"b","parent_span_id":"a","op":"db","start_timestamp":"` + at(10) + `","timestamp":"` + at(30) + `"},
		{"span_id":"c","parent_span_id":"a","op":"db","start_timestamp":"` + at(20) + `","timestamp":"` + at(40) + `"},
		{"span_id":"d","parent_span_id":"a","op":"db","start_timestamp":"` + at(45) + `","timestamp":"` + at(70) + `"}]}`
	tx, err := ParseTransaction([]byte(payload), Meta{Received: received})
	if err != nil {
		t.Fatal(err)
	}
	// a lasts 50 ms; b and c overlap (10..40), d sticks out past a's end (45..50 inside).
	if got := tx.Spans[0].SelfTime; got != 15*time.Millisecond {
		t.Errorf("self time of a = %s, want 15ms", got)
	}
	if tx.Status != "unknown" {
		t.Errorf("status %q, want unknown without an HTTP status", tx.Status)
	}
}

func TestNormalizeSpanDescription(t *testing.T) {
	cases := []struct{ op, in, want string }{
		{"db.query", "SELECT * FROM orders WHERE id = 42 AND name = 'x''y'", "SELECT * FROM orders WHERE id = %s AND name = %s"},
		{"db", "SELECT a FROM t WHERE id IN (1, 2, 3)", "SELECT a FROM t WHERE id IN (%s)"},
		{"db.sql.query", "UPDATE t SET v = $1 WHERE id = $2", "UPDATE t SET v = $1 WHERE id = $2"},
		{"http.client", "GET https://api.example.com/users/123/orders/456?page=2", "GET https://api.example.com/users/*/orders/*"},
		{"http.client", "GET /items/0b3e5a1c-9f2d-4c1e-8a7b-6d5e4f3a2b1c", "GET /items/*"},
		{"cache.get", "orders:1234", "orders:<int>"},
		{"function", "render 12 rows", "render 12 rows"},
	}
	for _, tc := range cases {
		if got := NormalizeSpanDescription(tc.op, tc.in); got != tc.want {
			t.Errorf("%s %q → %q, want %q", tc.op, tc.in, got, tc.want)
		}
	}
}

// Self times agree with a plain reading of the rule (a span's duration less
// the union of its children's intervals clipped to it) on random trees,
// with shared parents, repeated ids, overlaps and children outside their
// parent.
func TestSelfTimesOnRandomTrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 20))
	base := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for round := range 300 {
		spans := make([]Span, 1+rng.IntN(40))
		for i := range spans {
			spans[i] = Span{
				SpanID:       strconv.Itoa(rng.IntN(len(spans) + 2)),
				ParentSpanID: strconv.Itoa(rng.IntN(len(spans) + 2)),
				Start:        base.Add(time.Duration(rng.IntN(1000)) * time.Microsecond),
				Duration:     time.Duration(rng.IntN(500)) * time.Microsecond,
			}
		}
		setSelfTimes(spans)
		for i, s := range spans {
			if want := s.Duration - unionOfChildren(spans, s); s.SelfTime != want {
				t.Fatalf("round %d, span %d: self time %v, want %v", round, i, s.SelfTime, want)
			}
		}
	}
}

// unionOfChildren counts, microsecond by microsecond, how much of parent
// its children cover.
func unionOfChildren(spans []Span, parent Span) time.Duration {
	covered := map[time.Time]bool{}
	for _, c := range spans {
		if c.ParentSpanID != parent.SpanID {
			continue
		}
		for at := c.Start; at.Before(c.Start.Add(c.Duration)); at = at.Add(time.Microsecond) {
			if !at.Before(parent.Start) && at.Before(parent.Start.Add(parent.Duration)) {
				covered[at] = true
			}
		}
	}
	return time.Duration(len(covered)) * time.Microsecond
}
