package metadata_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// logged is an event of issue fp read from partition part at offset.
func logged(fp string, part int, offset int64, received time.Time) metadata.GroupedEvent {
	return metadata.GroupedEvent{
		EventID: fmt.Sprintf("%08x%08x%016x", part, received.Unix(), offset), Fingerprint: fp, Title: "E: " + fp,
		Level: "error", Type: "error", Timestamp: received,
		Log: &metadata.LogPosition{Partition: part, Offset: offset, Received: received},
	}
}

func batchOf(fp string, part int, from, to int64, received time.Time) []metadata.GroupedEvent {
	var out []metadata.GroupedEvent
	for o := from; o < to; o++ {
		out = append(out, logged(fp, part, o, received.Add(time.Duration(o)*time.Millisecond)))
	}
	return out
}

func timesSeen(t *testing.T, db *metadata.DB, proj metadata.BootstrapResult, ids []int64) int64 {
	t.Helper()
	is, err := db.IssueForUser(context.Background(), proj.UserID, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	return is.TimesSeen
}

// A batch replayed from the log after a crash, whole or overlapping what
// follows it, counts only what was not counted; partitions are apart.
func TestReplayedRecordsAreCountedOnce(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	proj := metadatatest.Project(t, db, "replay-test")
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)

	record := func(events []metadata.GroupedEvent) metadata.Recorded {
		t.Helper()
		rec, err := db.RecordEventsDetailed(ctx, proj.ProjectID, events)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	first := record(batchOf("a", 0, 0, 10, t0))
	record(batchOf("a", 0, 10, 20, t0))
	if got := timesSeen(t, db, proj, first.IssueIDs); got != 20 {
		t.Fatalf("after two batches: seen %d, want 20", got)
	}
	// The crash came before the commit of offset 5: 5 to 24 come again,
	// with 20 to 24 new.
	rec := record(batchOf("a", 0, 5, 25, t0))
	if got := timesSeen(t, db, proj, first.IssueIDs); got != 25 || len(rec.Fresh) != 5 {
		t.Errorf("after the replay: seen %d with %d fresh, want 25 and 5", got, len(rec.Fresh))
	}
	if rec.IssueIDs[0] != first.IssueIDs[0] {
		t.Errorf("a replayed event's issue is %d, want %d", rec.IssueIDs[0], first.IssueIDs[0])
	}
	// The same offsets in another partition are other records.
	record(batchOf("a", 1, 0, 10, t0))
	if got := timesSeen(t, db, proj, first.IssueIDs); got != 35 {
		t.Errorf("after partition 1: seen %d, want 35", got)
	}
	// An event that did not come from the log is counted; one marked seen
	// is grouped and not; one twice in a batch counts once.
	plain := logged("a", 0, 0, t0)
	plain.Log, plain.EventID = nil, "00000000000000000000000000000abc"
	again := logged("a", 0, 30, t0.Add(time.Minute))
	again.Seen = true
	twice := logged("a", 0, 31, t0.Add(time.Minute))
	rec = record([]metadata.GroupedEvent{plain, again, twice, twice})
	if got := timesSeen(t, db, proj, first.IssueIDs); got != 37 || rec.IssueIDs[1] != first.IssueIDs[0] {
		t.Errorf("after plain, seen and repeated events: seen %d (issues %v), want 37", got, rec.IssueIDs)
	}
}

// A log that started over (its broker's data gone, PostgreSQL kept) reuses
// offsets the marks passed long ago; its records came later than any
// counted, so they are counted, and replays within the new log are not.
func TestALogThatStartedOverIsCounted(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	proj := metadatatest.Project(t, db, "replay-reset-test")
	t0 := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Millisecond)
	ids, err := db.RecordEvents(ctx, proj.ProjectID, batchOf("b", 0, 0, 100, t0))
	if err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(time.Hour)
	next := []metadata.GroupedEvent{logged("b", 0, 10, t1.Add(-time.Second)), logged("b", 0, 11, t1)}
	steps := []struct {
		name   string
		events []metadata.GroupedEvent
		want   int64
	}{
		{"the new log's first records", batchOf("b", 0, 0, 10, t1), 110},
		{"their replay", batchOf("b", 0, 0, 10, t1), 110},
		// Received a little before the last counted one (two ingest
		// requests answered out of order), yet past the new mark.
		{"the next records", next, 112},
		{"a replay of both", append(batchOf("b", 0, 5, 10, t1), next...), 112},
	}
	for _, st := range steps {
		if _, err := db.RecordEvents(ctx, proj.ProjectID, st.events); err != nil {
			t.Fatal(err)
		}
		if got := timesSeen(t, db, proj, ids); got != st.want {
			t.Errorf("after %s: seen %d, want %d", st.name, got, st.want)
		}
	}
}

// What PostgreSQL keeps for the events of a project must not grow with
// their number: it did, a row per event for the whole retention, and each
// insert landed on a random page of its index.
func TestCountingKeepsNoRowPerEvent(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	proj := metadatatest.Project(t, db, "replay-rows-test")
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	before := projectRows(t, proj.ProjectID)
	const events = 600
	for from := int64(0); from < events; from += 200 {
		batch := append(batchOf("c1", 0, from, from+100, t0), batchOf("c2", 1, from, from+100, t0)...)
		if _, err := db.RecordEvents(ctx, proj.ProjectID, batch); err != nil {
			t.Fatal(err)
		}
	}
	if grew := projectRows(t, proj.ProjectID) - before; grew > 20 {
		t.Errorf("counting %d events added %d rows to PostgreSQL; want a few (issues, marks), not one per event", events, grew)
	}
}

// projectRows counts the rows of the project's in every table that has a
// project_id column (tests share the database, so only the project's own).
func projectRows(t *testing.T, projectID int64) int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, metadatatest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var total int64
	err = conn.QueryRow(ctx, `SELECT sum((xpath('/row/n/text()', query_to_xml(
		format('SELECT count(*) AS n FROM %I.%I WHERE project_id = %s', table_schema, table_name, $1::bigint),
		false, true, '')))[1]::text::bigint)
		FROM information_schema.columns c JOIN pg_tables t ON t.schemaname = c.table_schema AND t.tablename = c.table_name
		WHERE c.table_schema = current_schema() AND c.column_name = 'project_id'`, projectID).Scan(&total)
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// Feedback keeps its issue: linked when its event is counted after it,
// given when it comes after its event, and moved by a merge.
func TestFeedbackFindsItsIssue(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	proj := metadatatest.Project(t, db, "feedback-link-test")
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	early := logged("f1", 0, 0, t0)
	late := logged("f2", 0, 1, t0)
	feedback := func(record, event string, issue int64) metadata.Feedback {
		return metadata.Feedback{RecordID: record, EventID: event, IssueID: issue, Name: "Ann", Email: "ann@example.com",
			Comments: "it broke", CreatedAt: t0}
	}
	if err := db.RecordFeedback(ctx, proj.ProjectID, []metadata.Feedback{feedback("0000000000000000000000000000000a", early.EventID, 0)}); err != nil {
		t.Fatal(err)
	}
	ids, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{early, late})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordFeedback(ctx, proj.ProjectID, []metadata.Feedback{feedback("0000000000000000000000000000000b", late.EventID, ids[1])}); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		got, err := db.IssueFeedback(ctx, proj.ProjectID, id, 10, 0)
		if err != nil || len(got) != 1 || got[0].IssueID != id {
			t.Errorf("issue %d's feedback: %+v, %v; want its one item", i, got, err)
		}
	}
	plan, err := db.PlanMerge(ctx, []int64{proj.ProjectID}, ids)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Merge(ctx, plan, proj.UserID); err != nil {
		t.Fatal(err)
	}
	if got, err := db.IssueFeedback(ctx, proj.ProjectID, plan.Parent, 10, 0); err != nil || len(got) != 2 {
		t.Errorf("after the merge, the parent's feedback: %+v, %v; want both items", got, err)
	}
	// Feedback that names an issue merged since (ClickHouse may still show
	// the event under it) goes to the issue it was merged into.
	child := plan.Children[0]
	if err := db.RecordFeedback(ctx, proj.ProjectID, []metadata.Feedback{feedback("0000000000000000000000000000000c", early.EventID, child)}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.IssueFeedback(ctx, proj.ProjectID, plan.Parent, 10, 0); err != nil || len(got) != 3 {
		t.Errorf("feedback naming the merged issue %d: the parent has %d items (%v), want 3", child, len(got), err)
	}
}
