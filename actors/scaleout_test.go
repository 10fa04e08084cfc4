package actors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/segmentio/kafka-go"
)

// Three workers share the events topic's 16 partitions while events flow;
// one is stopped, one crashes after storing a batch it never commits, and
// a fourth joins. In the end every event is stored once and every issue
// counted exactly.
func TestWorkersScaleOutAndIn(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	const secret = "scaleout-secret"
	var projects []metadata.BootstrapResult
	for range 6 {
		projects = append(projects, metadatatest.Project(t, p.db, secret))
	}
	const perProject = 300

	type running struct {
		cancel context.CancelFunc
		done   chan error
	}
	start := func(crashAt func(string) error) running {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		w := p.worker(50, crashAt)
		go func() { done <- w.Run(runCtx) }()
		return running{cancel, done}
	}
	var crashed atomic.Bool
	// The crashing worker starts alone, so it surely holds partitions when
	// the first wave arrives; started beside the others it could be left
	// without a batch to die holding, and the replay went untested.
	crashing := start(func(stage string) error {
		if stage == "stored" && crashed.CompareAndSwap(false, true) {
			return errCrash // it dies holding a stored, uncommitted batch
		}
		return nil
	})

	// Produce in waves while the membership changes.
	var produced sync.WaitGroup
	produced.Add(1)
	go func() {
		defer produced.Done()
		for wave := range 10 {
			var msgs []kafka.Message
			for _, pr := range projects {
				for n := wave * perProject / 10; n < (wave+1)*perProject/10; n++ {
					msgs = append(msgs, queue.Record{ProjectID: pr.ProjectID, EventID: fmt.Sprintf("%016x%016x", pr.ProjectID, n),
						ItemType: "event", Received: time.Now(), Payload: errorPayload(n%3, n)}.Message())
				}
			}
			if err := p.writer.WriteMessages(ctx, msgs...); err != nil {
				t.Errorf("produce wave %d: %v", wave, err)
				return
			}
			time.Sleep(300 * time.Millisecond)
		}
	}()
	for deadline := time.Now().Add(30 * time.Second); !crashed.Load() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	workers := []running{start(nil), start(nil), crashing}
	time.Sleep(time.Second)
	workers[0].cancel() // a worker leaves
	if err := <-workers[0].done; err != nil {
		t.Errorf("stopped worker: %v", err)
	}
	workers = append(workers, start(nil)) // and another joins
	produced.Wait()

	total := int64(len(projects) * perProject)
	deadline := time.Now().Add(90 * time.Second)
	for {
		// PostgreSQL counts a batch before ClickHouse holds it: stopping the
		// workers as soon as the counts are complete would leave the last
		// batch uncommitted, with no worker left to replay it.
		var counted, stored int64
		for _, pr := range projects {
			issues, err := p.db.ListIssues(ctx, pr.ProjectID, 100, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, is := range issues {
				counted += is.TimesSeen
			}
			events, _, err := p.store.EventCounts(ctx, uint64(pr.ProjectID))
			if err != nil {
				t.Fatal(err)
			}
			stored += int64(events)
		}
		if counted == total && stored == total {
			break
		}
		if counted > total {
			t.Fatalf("%d events counted, more than the %d produced", counted, total)
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d events counted and %d stored after 90 s", counted, total, stored)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, w := range workers[1:] {
		w.cancel()
	}
	for i, w := range workers[1:] {
		if err := <-w.done; err != nil && !(i == 1 && errors.Is(err, errCrash)) {
			t.Errorf("worker %d: %v", i+2, err)
		}
	}
	if !crashed.Load() {
		t.Error("the crashing worker never stored a batch")
	}
	for _, pr := range projects {
		issues, err := p.db.ListIssues(ctx, pr.ProjectID, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(issues) != 3 {
			t.Errorf("project %d: %d issues, want 3", pr.ProjectID, len(issues))
		}
		for _, is := range issues {
			if is.TimesSeen != perProject/3 {
				t.Errorf("project %d issue %q: times_seen %d, want %d", pr.ProjectID, is.Title, is.TimesSeen, perProject/3)
			}
		}
		events, _, err := p.store.EventCounts(ctx, uint64(pr.ProjectID))
		if err != nil {
			t.Fatal(err)
		}
		if events != perProject {
			t.Errorf("project %d: %d distinct events in ClickHouse, want %d", pr.ProjectID, events, perProject)
		}
	}
}
