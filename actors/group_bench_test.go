package actors

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/queue"
)

// BenchmarkProjectActorGroup groups a full batch of error events (the
// default MaxBatch) with a store that answers at once: the actor's own
// work, parse to rows, without PostgreSQL's.
//
//	go test -run '^$' -bench ProjectActorGroup -benchmem ./actors/
func BenchmarkProjectActorGroup(b *testing.B) {
	const n = 2000
	records := make([]queue.Record, n)
	for i := range records {
		records[i] = queue.Record{ProjectID: 1, EventID: fmt.Sprintf("%032x", i), ItemType: "event",
			Received: time.Now(), Checked: true, Payload: errorPayload(i%3, i)}
	}
	a := storeFreeActor()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if out := a.group(ctx, records); out.err != nil || len(out.rows.Events) != n {
			b.Fatalf("%d rows, err %v", len(out.rows.Events), out.err)
		}
	}
}
