package actors

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// The memory of counted events keeps the newest ones, up to its size.
func TestRecentEventsKeepTheNewest(t *testing.T) {
	r := newRecentEvents(3)
	r.remember(1, []string{"a", "b"})
	if !r.counted(1, "a") || r.counted(2, "a") || r.counted(1, "c") {
		t.Fatal("counted is wrong right after remember")
	}
	r.remember(1, []string{"b", "c", "d"}) // b is kept once; a is the oldest
	if r.counted(1, "a") || !r.counted(1, "b") || !r.counted(1, "d") {
		t.Errorf("after overflow: a %v, b %v, d %v; want false, true, true", r.counted(1, "a"), r.counted(1, "b"), r.counted(1, "d"))
	}
	if len(r.ids) != 3 || len(r.ring) != 3 {
		t.Errorf("kept %d ids in a ring of %d, want 3 and 3", len(r.ids), len(r.ring))
	}
}

// Feedback sent after its event finds the event's issue, and an event a
// client sent twice is counted once.
func TestResentEventAndLateFeedback(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	const secret = "recent-test-secret"
	proj := metadatatest.Project(t, p.db, secret).ProjectID
	record := func(n, kind int) queue.Record {
		return queue.Record{ProjectID: proj, EventID: fmt.Sprintf("%032x", n), ItemType: "event",
			Received: time.Now(), Payload: errorPayload(kind, n)}
	}
	event := record(7, 1)
	feedback := queue.Record{ProjectID: proj, EventID: fmt.Sprintf("%032x", 8), ItemType: "user_report",
		Received: time.Now(), Payload: fmt.Appendf(nil, `{"event_id":%q,"name":"Ann","email":"ann@example.com","comments":"it broke"}`, event.EventID)}
	produce := func(rs ...queue.Record) {
		var msgs []kafka.Message
		for _, r := range rs {
			msgs = append(msgs, r.Message())
		}
		if err := p.writer.WriteMessages(ctx, msgs...); err != nil {
			t.Fatal(err)
		}
	}
	startWorker(t, p.worker(10, nil))

	produce(event)
	issues := waitForIssues(t, p, proj, 1)
	// The feedback comes alone, after its event was stored: only the
	// stored event can tell its issue.
	produce(feedback)
	var got []metadata.Feedback
	deadline := time.Now().Add(30 * time.Second)
	for len(got) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		var err error
		if got, err = p.db.ProjectFeedback(ctx, proj, 10, 0); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 || got[0].IssueID != issues[0].ID {
		t.Fatalf("feedback %+v; want one item about issue %d", got, issues[0].ID)
	}
	// The client sends the event again; an event of another issue after
	// it tells when the worker got that far.
	produce(event, record(9, 2))
	waitForIssues(t, p, proj, 2)
	if n := p.counted(t, proj); n != 2 {
		t.Errorf("the two issues have seen %d events, want 2: the resent one was counted again", n)
	}
}

// waitForIssues waits until the project has n issues and returns them.
func waitForIssues(t *testing.T, p *pipeline, projectID int64, n int) []metadata.Issue {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		issues, err := p.db.ListIssues(context.Background(), projectID, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(issues) >= n {
			return issues
		}
		if time.Now().After(deadline) {
			t.Fatalf("project %d has %d issues after 30s, want %d", projectID, len(issues), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
