package actors

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/actors/alert"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/metadata"
	"github.com/jackc/pgx/v5/pgconn"
)

// refusingStore refuses, as PostgreSQL would with a data exception, every
// batch that holds an event whose title contains "poison"; a down store
// fails every call transiently.
type refusingStore struct {
	down  bool
	calls int
}

func (s *refusingStore) RecordEventsDetailed(ctx context.Context, pid int64, events []metadata.GroupedEvent) (metadata.Recorded, error) {
	ids, err := s.RecordEvents(ctx, pid, events)
	return metadata.Recorded{IssueIDs: ids}, err
}

func (s *refusingStore) RecordEvents(_ context.Context, _ int64, events []metadata.GroupedEvent) ([]int64, error) {
	s.calls++
	if s.down {
		return nil, errors.New("connection refused")
	}
	ids := make([]int64, len(events))
	for i, e := range events {
		if strings.Contains(e.Title, "poison") {
			return nil, &pgconn.PgError{Code: "22021", Message: "invalid byte sequence"}
		}
		ids[i] = 1
	}
	return ids, nil
}

func (s *refusingStore) RecordFeedback(context.Context, int64, []metadata.Feedback) error { return nil }

func (s *refusingStore) RecordAttachments(context.Context, int64, []metadata.Attachment) error {
	return nil
}

func (s *refusingStore) RecordCronCheckIn(context.Context, int64, string, *metadata.CronConfig, metadata.CronCheckIn) (int64, error) {
	return 0, nil
}

func records(messages ...string) []queue.Record {
	var out []queue.Record
	for i, m := range messages {
		out = append(out, queue.Record{ProjectID: 1, EventID: strings.Repeat(string(rune('a'+i)), 32), ItemType: "event",
			Received: time.Now(), Payload: []byte(`{"message":"` + m + `"}`)})
	}
	return out
}

func TestProjectActorRejectsOnlyWhatPostgresRefuses(t *testing.T) {
	store := &refusingStore{}
	a := &projectActor{projectID: 1, issues: store, metrics: newWorkerMetrics(nil), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	got := a.group(context.Background(), records("fine one", "poison pill", "not json\"", "fine two"))
	if got.err != nil {
		t.Fatal(got.err)
	}
	if len(got.rows.Events) != 2 || got.rows.Events[0].Message != "fine one" || got.rows.Events[1].Message != "fine two" {
		t.Fatalf("rows = %+v, want the two fine events", got.rows)
	}
	var rejectedIdx []int
	for _, r := range got.rejected {
		rejectedIdx = append(rejectedIdx, r.index)
	}
	if len(rejectedIdx) != 2 || rejectedIdx[0] != 2 || rejectedIdx[1] != 1 {
		t.Fatalf("rejected %v, want records 2 (not JSON) and 1 (refused)", rejectedIdx)
	}
}

func TestProjectActorReportsTransientErrors(t *testing.T) {
	a := &projectActor{projectID: 1, issues: &refusingStore{down: true}, metrics: newWorkerMetrics(nil), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	got := a.group(context.Background(), records("fine", "poison"))
	if got.err == nil || len(got.rejected) != 0 {
		t.Fatalf("a store that is down must fail the batch for a retry, not reject events: %+v", got)
	}
}

func TestAlertFactsOfFreshEventsAnnounceAnIssueOnce(t *testing.T) {
	pending := func(id, title string) pendingEvent {
		return pendingEvent{event: &event.Event{EventID: id, Level: "error", Environment: "prod", Release: "r1",
			User: &event.User{ID: "u"}, Tags: []event.Tag{{Key: "k", Value: "v"}}}, grouping: event.Grouping{Title: title, Culprit: "c"}}
	}
	batch := []pendingEvent{pending("a", "new"), pending("b", "new"), pending("c", "replayed"), pending("d", "refused"), pending("e", "back")}
	rec := metadata.Recorded{
		IssueIDs:  []int64{10, 10, 11, 0, 12},
		Created:   map[int64]bool{10: true},
		Regressed: map[int64]bool{12: true},
		Fresh:     map[string]bool{"a": true, "b": true, "d": true, "e": true}, // c was counted by an earlier delivery
	}
	want := []alert.EventFacts{
		{IssueID: 10, Title: "new", Culprit: "c", Level: "error", Environment: "prod", Release: "r1", UserKey: "id:u",
			Tags: map[string]string{"k": "v"}, NewIssue: true},
		{IssueID: 10, Title: "new", Culprit: "c", Level: "error", Environment: "prod", Release: "r1", UserKey: "id:u",
			Tags: map[string]string{"k": "v"}},
		{IssueID: 12, Title: "back", Culprit: "c", Level: "error", Environment: "prod", Release: "r1", UserKey: "id:u",
			Tags: map[string]string{"k": "v"}, Regressed: true},
	}
	if got := alertFacts(batch, rec); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}
