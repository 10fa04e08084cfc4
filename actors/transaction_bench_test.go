package actors

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkProjectActorTransactions turns a batch of 50-span transactions
// into ClickHouse rows: the actor's own work for performance data, parse
// and rows, without the stores'. A worker's batch holds up to 16 MiB,
// about 1,000 of these.
//
//	go test -run '^$' -bench ProjectActorTransactions -benchmem ./actors/
func BenchmarkProjectActorTransactions(b *testing.B) {
	for _, n := range []int{200, 1000} {
		b.Run(fmt.Sprintf("transactions=%d", n), func(b *testing.B) {
			records := fixtureRecords(b, "../ingest/event/testdata/python_transaction_50_spans.json", "transaction", n)
			a := storeFreeActor()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if out := a.group(ctx, records); out.err != nil || len(out.rows.Transactions) != n || out.rows.SpanCount() != 50*n {
					b.Fatalf("%d transactions, %d spans, err %v", len(out.rows.Transactions), out.rows.SpanCount(), out.err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1e3, "µs/transaction")
		})
	}
}
