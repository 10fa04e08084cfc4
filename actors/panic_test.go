package actors

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
)

// panickingIssues is PostgreSQL with a bug one event runs into: grouping
// a batch that holds it panics.
type panickingIssues struct {
	*metadata.DB
	poison string
}

func (s panickingIssues) RecordEventsDetailed(ctx context.Context, projectID int64, events []metadata.GroupedEvent) (metadata.Recorded, error) {
	for _, e := range events {
		if e.EventID == s.poison {
			var m map[string]int
			m[e.EventID]++ // assignment to a nil map
		}
	}
	return s.DB.RecordEventsDetailed(ctx, projectID, events)
}

// TestPanickingRecordIsIsolated: grouping one record panics. The project
// actor answers instead of dying (protoactor would restart it without an
// answer, leaving the worker to wait out the call, and stop it for good
// after ten restarts), the batch is split until the record is alone, the
// record is dead-lettered saying it panicked, and every other event of the
// project is stored, well within the time one unanswered call used to take.
func TestPanickingRecordIsIsolated(t *testing.T) {
	p := newPipeline(t)
	pr := metadatatest.Project(t, p.db, "panic-secret")
	const n = 32
	poison := fmt.Sprintf("%032x", 0xbad)
	id := func(i int) string {
		if i == n/2 {
			return poison
		}
		return fmt.Sprintf("%016x%016x", pr.ProjectID, i)
	}
	p.produce(t, pr.ProjectID, n, id, func(i int) []byte { return errorPayload(i%3, i) })

	dead := &recordingProducer{Producer: p.writer}
	w := NewWorker(WorkerConfig{Brokers: p.brokers, MaxBatch: 200, MaxWait: 50 * time.Millisecond, CallTimeout: 5 * time.Second},
		panickingIssues{DB: p.db, poison: poison}, p.store, dead, nil, p.log)
	workerPanics := w.metrics.workerPanics
	panicsBefore := testutil.ToFloat64(workerPanics.WithLabelValues("project_actor"))
	startWorker(t, w)

	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		letters, _ := dead.written()
		stored, _, err := p.store.EventCounts(context.Background(), uint64(pr.ProjectID))
		if err != nil {
			t.Fatal(err)
		}
		if p.counted(t, pr.ProjectID) == n-1 && stored == n-1 && len(letters) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s: %d of %d counted, %d stored, %d dead letters", p.counted(t, pr.ProjectID), n-1, stored, len(letters))
		}
	}
	letters, _ := dead.written()
	if r, err := queue.Decode(kafka.Message{Key: letters[0].Key, Value: letters[0].Value, Headers: letters[0].Headers}); err != nil || r.EventID != poison {
		t.Errorf("dead letter is not the poison record: %+v, %v", r, err)
	}
	if reason := headerValue(letters[0], "error"); !strings.Contains(reason, "panicked") || !strings.Contains(reason, "nil map") {
		t.Errorf("dead letter reason %q does not say the record panicked and how", reason)
	}
	if got := testutil.ToFloat64(workerPanics.WithLabelValues("project_actor")) - panicsBefore; got < slowStrikes {
		t.Errorf("faultline_worker_panics_total{where=\"project_actor\"} rose by %v, want at least %d", got, slowStrikes)
	}
}
