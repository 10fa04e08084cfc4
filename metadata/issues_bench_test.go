package metadata_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// benchEventSeq makes every benchmark event id new, so each batch is
// counted as a worker's fresh batch is (not skipped as a replay).
var benchEventSeq atomic.Uint64

// BenchmarkRecordEventsDetailed upserts a worker's batch of events spread
// over 10 issues in one project (or 500, where a batch updates many issue
// rows and so many index entries): the PostgreSQL half of processing a
// batch. The issues exist after the first batch, as in a steady stream.
//
//	go test -run '^$' -bench RecordEventsDetailed -benchmem -benchtime 50x ./metadata/
func BenchmarkRecordEventsDetailed(b *testing.B) {
	db := metadatatest.Open(b)
	cases := []struct {
		size, issues int
		// release is every event's; resolved resolves every issue in the
		// next release first, so each batch is judged against releases
		// (and none reopens).
		release  string
		resolved bool
	}{{100, 10, "", false}, {1000, 10, "", false}, {1000, 500, "", false}, {1000, 10, "1.0.0", false}, {1000, 10, "1.0.0", true}}
	for _, tc := range cases {
		size := tc.size
		name := fmt.Sprintf("events=%d/issues=%d", size, tc.issues)
		if tc.release != "" {
			name += "/release"
		}
		if tc.resolved {
			name += "/resolved-in-next-release"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			proj := metadatatest.Project(b, db, "bench-record")
			batch := make([]metadata.GroupedEvent, size)
			fill := func() {
				now := time.Now().UTC()
				for i := range batch {
					n := i % tc.issues
					batch[i] = metadata.GroupedEvent{
						EventID:     fmt.Sprintf("%032x", benchEventSeq.Add(1)),
						Fingerprint: fmt.Sprintf("%064x", n+1),
						Title:       fmt.Sprintf("TypeError: cannot read properties of undefined (reading 'field%d')", n),
						Culprit:     fmt.Sprintf("app/handlers/orders.js in handler%d", n),
						Level:       "error", Type: "error",
						Metadata:  map[string]string{"type": "TypeError", "value": "cannot read properties of undefined", "filename": "app/handlers/orders.js"},
						Timestamp: now.Add(time.Duration(i) * time.Millisecond),
						Release:   tc.release,
					}
				}
			}
			fill()
			first, err := db.RecordEventsDetailed(ctx, proj.ProjectID, batch) // creates the issues
			if err != nil {
				b.Fatal(err)
			}
			if tc.resolved {
				resolved := "resolved"
				if _, err := db.UpdateIssues(ctx, []int64{proj.ProjectID}, first.IssueIDs, proj.UserID,
					metadata.IssueUpdate{Status: &resolved, InNextRelease: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				fill()
				b.StartTimer()
				rec, err := db.RecordEventsDetailed(ctx, proj.ProjectID, batch)
				if err != nil {
					b.Fatal(err)
				}
				if len(rec.Fresh) != size || len(rec.Regressed) != 0 {
					b.Fatalf("%d of %d events counted, %d issues reopened", len(rec.Fresh), size, len(rec.Regressed))
				}
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
