package analytics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/ingest/cputime"
)

var benchInsertSeq atomic.Uint64

// benchPayload is a normalized error event about the size real SDKs send
// (the Node SDK's events are ~17 KB): an exception with 30 frames carrying
// context lines and variables, 30 breadcrumbs, request, user, contexts and
// tags. n varies the text so rows do not compress alike.
func benchPayload(n uint64) []byte {
	frames := make([]map[string]any, 30)
	for i := range frames {
		frames[i] = map[string]any{
			"filename": fmt.Sprintf("/srv/app/src/services/module%d.js", i), "function": fmt.Sprintf("handle%d", i),
			"module": fmt.Sprintf("services.module%d", i), "lineno": 100 + i, "colno": 17, "in_app": i%3 != 0,
			"pre_context":  []string{"  const order = await orders.find(id);", "  if (!order) {", "    throw new NotFound(id);"},
			"context_line": fmt.Sprintf("  return order.items[%d].price * quantity;", i),
			"post_context": []string{"}", "", "module.exports = { handle };"},
			"vars":         map[string]any{"id": fmt.Sprintf("ord_%d_%d", n, i), "quantity": i, "user": "u-1234"},
		}
	}
	crumbs := make([]map[string]any, 30)
	for i := range crumbs {
		crumbs[i] = map[string]any{"timestamp": 1764640000.0 + float64(i), "category": "http", "type": "http", "level": "info",
			"data": map[string]any{"method": "GET", "url": fmt.Sprintf("https://api.example.com/v1/orders/%d?page=%d", n, i), "status_code": 200}}
	}
	event := map[string]any{
		"event_id": fmt.Sprintf("%032x", n), "timestamp": 1764640000.5, "platform": "node", "level": "error",
		"environment": "production", "release": "shop@2.14.0", "server_name": "web-7f9c",
		"exception": map[string]any{"values": []any{map[string]any{"type": "TypeError",
			"value":      fmt.Sprintf("Cannot read properties of undefined (reading 'price') for order %d", n),
			"stacktrace": map[string]any{"frames": frames}, "mechanism": map[string]any{"type": "onuncaughtexception", "handled": false}}}},
		"breadcrumbs": map[string]any{"values": crumbs},
		"request": map[string]any{"method": "POST", "url": "https://shop.example.com/checkout",
			"headers": map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", "Accept": "application/json"}},
		"user":     map[string]any{"id": fmt.Sprintf("user-%d", n%500), "ip_address": "203.0.113.7"},
		"contexts": map[string]any{"os": map[string]any{"name": "Linux", "version": "6.1"}, "runtime": map[string]any{"name": "node", "version": "v20.11.1"}},
		"tags":     map[string]string{"route": "/checkout", "region": "eu-west-1", "customer_tier": "gold"},
		"sdk":      map[string]any{"name": "sentry.javascript.node", "version": "11.12.0"},
	}
	b, err := json.Marshal(event)
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkInsertEvents writes a worker's batch of error event rows (with
// their compressed payloads) in one INSERT: the ClickHouse half of
// processing a batch. Rows go to a database of their own.
//
//	go test -run '^$' -bench InsertEvents -benchmem -benchtime 20x ./analytics/
func BenchmarkInsertEvents(b *testing.B) {
	s := analyticstest.OpenDatabase(b, "faultline_bench_insert")
	ctx := context.Background()
	for _, size := range []int{100, 1000} {
		b.Run(fmt.Sprintf("rows=%d", size), func(b *testing.B) {
			rows := make([]analytics.EventRow, size)
			var payloadBytes int64
			fill := func() {
				now := time.Now().UTC()
				payloadBytes = 0
				for i := range rows {
					n := benchInsertSeq.Add(1)
					rows[i] = analytics.EventRow{ProjectID: 1, IssueID: uint64(i%10 + 1), EventID: fmt.Sprintf("%032x", n),
						Timestamp: now, Received: now, Level: "error", Platform: "node", Environment: "production",
						Release: "shop@2.14.0", Transaction: "POST /checkout", Title: "TypeError: Cannot read properties of undefined",
						Message: "Cannot read properties of undefined (reading 'price')", UserKey: fmt.Sprintf("id:user-%d", n%500),
						TagKeys:   []string{"route", "region", "customer_tier", "browser"},
						TagValues: []string{"/checkout", "eu-west-1", "gold", "Chrome 131"},
						Payload:   benchPayload(n)}
					payloadBytes += int64(len(rows[i].Payload))
				}
			}
			fill()
			b.SetBytes(payloadBytes) // uncompressed payload bytes per batch
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				fill()
				b.StartTimer()
				if err := s.InsertEvents(ctx, rows); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(payloadBytes)/float64(size), "payload-B/row")
		})
	}
}

// BenchmarkInsertSpans writes the span rows of a worker's batch of 1,000
// transactions of 50 spans in one INSERT. cpu-ns/op is the process's CPU
// time per INSERT, ClickHouse's excluded.
//
//	go test -run '^$' -bench InsertSpans -benchmem -benchtime 10x ./analytics/
func BenchmarkInsertSpans(b *testing.B) {
	s := analyticstest.OpenDatabase(b, "faultline_bench_insert")
	ctx := context.Background()
	const transactions, perTx = 1000, 50
	now := time.Now().UTC()
	runs := make([][]analytics.SpanRow, transactions)
	for i := range runs {
		id := fmt.Sprintf("%032x", benchInsertSeq.Add(1))
		runs[i] = make([]analytics.SpanRow, perTx)
		for j := range runs[i] {
			runs[i][j] = analytics.SpanRow{ProjectID: 1, TransactionID: id, TraceID: id, SpanID: fmt.Sprintf("%016x", j),
				ParentSpanID: "a1b2c3d4e5f60718", Transaction: "GET /api/orders/{id}", Op: "db.sql.query",
				Description: "SELECT * FROM orders WHERE id = %s", Status: "ok", Start: now.Add(time.Duration(j) * time.Millisecond),
				Duration: 3 * time.Millisecond, SelfTime: 2 * time.Millisecond}
		}
	}
	b.ReportAllocs()
	stopCPU := cputime.Report(b) // this process's CPU, not ClickHouse's
	for b.Loop() {
		if err := s.InsertTransactions(ctx, nil, runs); err != nil {
			b.Fatal(err)
		}
	}
	stopCPU()
}
