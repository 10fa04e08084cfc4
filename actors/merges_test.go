package actors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// pendingMerges is a MergeStore over a list: a plan leaves it only when
// its move succeeds.
type pendingMerges struct{ plans []metadata.MergePlan }

func (p *pendingMerges) MoveNextMerge(ctx context.Context, move func(context.Context, metadata.MergePlan) error) (bool, error) {
	if len(p.plans) == 0 {
		return false, nil
	}
	if err := move(ctx, p.plans[0]); err != nil {
		return false, err
	}
	p.plans = p.plans[1:]
	return true, nil
}

// recordingMover records its calls and fails the moves of failParent.
type recordingMover struct {
	calls      []string
	failParent uint64
}

func (r *recordingMover) MoveEvents(_ context.Context, project uint64, from []uint64, to uint64) error {
	if to == r.failParent {
		return errors.New("ClickHouse is not answering")
	}
	r.calls = append(r.calls, fmt.Sprintf("move %d %v->%d", project, from, to))
	return nil
}

func (r *recordingMover) DropEvents(_ context.Context, project uint64, issues []uint64) error {
	r.calls = append(r.calls, fmt.Sprintf("drop %d %v", project, issues))
	return nil
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestMergeMoverMovesInOrderAndStopsAtAFailure(t *testing.T) {
	store := &pendingMerges{plans: []metadata.MergePlan{
		{ID: 1, ProjectID: 7, Parent: 10, Children: []int64{11}},
		{ID: 2, ProjectID: 7, Parent: 20, Children: []int64{10, 12}}, // the first parent, merged later
		{ID: 3, ProjectID: 7, Parent: 30, Children: []int64{31}},
	}}
	events := &recordingMover{failParent: 20}
	m := NewMergeMover(store, events, time.Minute, discardLog())
	if err := m.RunOnce(context.Background()); err == nil {
		t.Fatal("RunOnce hid the failed move")
	}
	if want := []string{"move 7 [11]->10", "drop 7 [11]"}; !slices.Equal(events.calls, want) {
		t.Errorf("calls %q, want %q: nothing after the failed merge", events.calls, want)
	}
	if len(store.plans) != 2 || store.plans[0].ID != 2 {
		t.Fatalf("pending after the failure: %+v, want merges 2 and 3", store.plans)
	}
	events.failParent, events.calls = 0, nil
	if err := m.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"move 7 [10 12]->20", "drop 7 [10 12]", "move 7 [31]->30", "drop 7 [31]"}
	if !slices.Equal(events.calls, want) || len(store.plans) != 0 {
		t.Errorf("calls %q (pending %d), want %q and none pending", events.calls, len(store.plans), want)
	}
}

// mergeFixture stores three issues of a new project with 3, 2 and 1 events
// in both stores, and merges them in PostgreSQL.
func mergeFixture(t *testing.T, db *metadata.DB, store *analytics.Store) (project int64, plan metadata.MergePlan, eventIDs []string) {
	t.Helper()
	ctx := context.Background()
	proj := metadatatest.Project(t, db, "merge-secret")
	now := time.Now().Truncate(time.Second)
	var rows []analytics.EventRow
	var ids []int64
	for i, fp := range []string{"disk", "disk", "disk", "quota", "quota", "inode"} {
		id := fmt.Sprintf("%032x", 0x3e000+i)
		got, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{{EventID: id, Fingerprint: fp, Title: fp,
			Level: "error", Timestamp: now.Add(-time.Duration(i) * time.Second)}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(ids, got[0]) {
			ids = append(ids, got[0])
		}
		rows = append(rows, analytics.EventRow{ProjectID: uint64(proj.ProjectID), IssueID: uint64(got[0]), EventID: id,
			Timestamp: now.Add(-time.Duration(i) * time.Second), Received: now, Level: "error", Title: fp, Payload: []byte("{}")})
		eventIDs = append(eventIDs, id)
	}
	if err := store.InsertEvents(ctx, rows); err != nil {
		t.Fatal(err)
	}
	plan, err := db.PlanMerge(ctx, []int64{proj.ProjectID}, ids)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Parent != ids[0] {
		t.Fatalf("plan %+v: want the issue with the most events, %d, to stay", plan, ids[0])
	}
	if err := db.Merge(ctx, plan, 0); err != nil {
		t.Fatal(err)
	}
	return proj.ProjectID, plan, eventIDs
}

// mergeStores opens databases of their own, where no other test's merge
// is pending and no test server's mover takes the merges first, and moves
// whatever an earlier run left pending.
func mergeStores(t *testing.T) (*metadata.DB, *analytics.Store) {
	db := metadatatest.OpenDatabase(t, "faultline_test_merges")
	store := analyticstest.OpenDatabase(t, "faultline_test_merges")
	if err := NewMergeMover(db, store, time.Minute, discardLog()).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, store
}

func issueEventCount(t *testing.T, store *analytics.Store, project, issue int64) int {
	t.Helper()
	rows, err := store.IssueEvents(context.Background(), uint64(project), uint64(issue), 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

// waitStoredOnce waits for ClickHouse to apply the drop (a background
// mutation), then checks that each event is stored exactly once.
func waitStoredOnce(t *testing.T, store *analytics.Store, project int64, eventIDs []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		stored, err := store.StoredEventIDs(context.Background(), uint64(project))
		if err != nil {
			t.Fatal(err)
		}
		once := len(stored) == len(eventIDs)
		for _, id := range eventIDs {
			once = once && stored[id] == 1
		}
		if once {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored rows per event %v; want each of the %d events once", stored, len(eventIDs))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The merge is whole in PostgreSQL at once; the events follow when the
// mover runs, and a second run finds nothing to do.
func TestMergeMoverMovesEventsToTheParent(t *testing.T) {
	db, store := mergeStores(t)
	ctx := context.Background()
	project, plan, eventIDs := mergeFixture(t, db, store)
	if n := issueEventCount(t, store, project, plan.Parent); n != 3 {
		t.Fatalf("before the mover runs the parent lists %d events, want its own 3", n)
	}
	m := NewMergeMover(db, store, time.Minute, discardLog())
	if err := m.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := issueEventCount(t, store, project, plan.Parent); n != 6 {
		t.Errorf("after the mover ran the parent lists %d events, want 6", n)
	}
	waitStoredOnce(t, store, project, eventIDs)
	for _, child := range plan.Children {
		if n := issueEventCount(t, store, project, child); n != 0 {
			t.Errorf("merged issue %d still lists %d events", child, n)
		}
	}
	var again bool
	if _, err := db.MoveNextMerge(ctx, func(_ context.Context, p metadata.MergePlan) error {
		again = again || p.Parent == plan.Parent
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if again {
		t.Error("the moved merge is still pending")
	}
}

// A mover that copied the events and stopped before recording it leaves
// the merge pending: the next run must not store the events twice.
func TestMergeMoverRerunOfAHalfDoneMerge(t *testing.T) {
	db, store := mergeStores(t)
	ctx := context.Background()
	project, plan, eventIDs := mergeFixture(t, db, store)
	children := []uint64{uint64(plan.Children[0]), uint64(plan.Children[1])}
	// The first attempt copies, then "crashes" before the drop and the mark.
	crashed := errors.New("crash after the copy")
	_, err := db.MoveNextMerge(ctx, func(ctx context.Context, p metadata.MergePlan) error {
		if p.Parent != plan.Parent {
			return fmt.Errorf("merge %+v is pending, want only %+v", p, plan)
		}
		if err := store.MoveEvents(ctx, uint64(project), children, uint64(plan.Parent)); err != nil {
			return err
		}
		return crashed
	})
	if !errors.Is(err, crashed) {
		t.Fatalf("first attempt: %v, want the crash", err)
	}
	if err := NewMergeMover(db, store, time.Minute, discardLog()).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := issueEventCount(t, store, project, plan.Parent); n != 6 {
		t.Errorf("after the re-run the parent lists %d events, want 6", n)
	}
	waitStoredOnce(t, store, project, eventIDs)
}
