package actors

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// A retention pass expires what is old in every project, and the passes
// here run up to a year ahead: they delete every issue and drop every day
// partition of the database they run on. So they run on databases of their
// own, not the ones the other packages' tests share at the same time.
const retentionDatabase = "faultline_retention"

func TestRetentionDropsWhatIsOld(t *testing.T) {
	db := metadatatest.OpenDatabase(t, retentionDatabase)
	store := analyticstest.OpenDatabase(t, retentionDatabase)
	proj := metadatatest.Project(t, db, "retention-secret")
	ctx := context.Background()
	now := time.Now()
	bystander := sharedBystander(t, now)
	ages := []time.Duration{200 * 24 * time.Hour, 10 * 24 * time.Hour, time.Hour}
	var rows []analytics.EventRow
	for i, age := range ages {
		ids, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{{EventID: fmt.Sprintf("%032x", 0xe1d0+i),
			Fingerprint: fmt.Sprint("age-", i), Title: fmt.Sprint("issue ", i), Level: "error", Timestamp: now.Add(-age)}})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, analytics.EventRow{ProjectID: uint64(proj.ProjectID), IssueID: uint64(ids[0]), EventID: fmt.Sprintf("%032x", 0xe1d0+i),
			Timestamp: now.Add(-age), Received: now.Add(-age), Level: "error", Title: "t", Payload: []byte("{}")})
	}
	if err := store.InsertEvents(ctx, rows); err != nil {
		t.Fatal(err)
	}
	counts := func() (events uint64, issues int) {
		events, _, err := store.EventCounts(ctx, uint64(proj.ProjectID))
		if err != nil {
			t.Fatal(err)
		}
		list, err := db.ListIssues(ctx, proj.ProjectID, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		return events, len(list)
	}
	r := NewRetention(db, store, 90, 365, time.Hour, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := r.Pass(ctx, now); err != nil {
		t.Fatal(err)
	}
	if e, i := counts(); e != 2 || i != 2 {
		t.Fatalf("after a 90-day pass: %d events, %d issues; want 2 and 2", e, i)
	}
	if err := r.Pass(ctx, now); err != nil { // idempotent
		t.Fatal(err)
	}
	if e, i := counts(); e != 2 || i != 2 {
		t.Fatalf("after a second pass: %d events, %d issues", e, i)
	}
	// The organization keeps 5 days only.
	if err := db.SetRetention(ctx, proj.OrganizationID, 5); err != nil {
		t.Fatal(err)
	}
	if err := r.Pass(ctx, now); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for { // ClickHouse applies the delete as a background mutation
		e, i := counts()
		if e == 1 && i == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with 5-day retention: %d events, %d issues; want 1 and 1", e, i)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The audit log has its own retention (365 days here), whatever the
	// organization keeps of its events: six days on, and 100 days on, the
	// 5-day organization's entry stays; 366 days on it is gone, in every
	// organization.
	other := metadatatest.Project(t, db, "retention-secret")
	for _, org := range []int64{proj.OrganizationID, other.OrganizationID} {
		if err := db.RecordAudit(ctx, metadata.AuditEntry{OrgID: org, ActorUserID: proj.UserID, Event: "org.edit"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct{ days, want int }{{6, 1}, {100, 1}, {366, 0}} {
		if err := r.Pass(ctx, now.AddDate(0, 0, step.days)); err != nil {
			t.Fatal(err)
		}
		for _, org := range []int64{proj.OrganizationID, other.OrganizationID} {
			rows, err := db.ListAudit(ctx, org, metadata.AuditFilter{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != step.want {
				t.Errorf("organization %d keeps %d audit entries %d days on, want %d", org, len(rows), step.days, step.want)
			}
		}
	}
	bystander()
}

// sharedBystander records an issue and its event in the databases the
// other packages' tests share, and returns a check that a year-ahead pass
// on the retention databases left both there.
func sharedBystander(t *testing.T, now time.Time) (check func()) {
	t.Helper()
	db, store := metadatatest.Open(t), analyticstest.Open(t)
	proj := metadatatest.Project(t, db, "bystander-secret")
	ctx := context.Background()
	ids, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{{EventID: fmt.Sprintf("%032x", 0xb5),
		Fingerprint: "bystander", Title: "bystander", Level: "error", Timestamp: now}})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InsertEvents(ctx, []analytics.EventRow{{ProjectID: uint64(proj.ProjectID), IssueID: uint64(ids[0]),
		EventID: fmt.Sprintf("%032x", 0xb5), Timestamp: now, Received: now, Level: "error", Title: "t", Payload: []byte("{}")}}); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		issues, err := db.ListIssues(ctx, proj.ProjectID, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		events, _, err := store.EventCounts(ctx, uint64(proj.ProjectID))
		if err != nil {
			t.Fatal(err)
		}
		if len(issues) != 1 || events != 1 {
			t.Errorf("another test's project in the shared databases kept %d issues and %d events, want 1 and 1", len(issues), events)
		}
	}
}

// The retention pass resolves the issues of a project with a resolve age
// that were not seen for that long.
func TestRetentionPassAutoResolves(t *testing.T) {
	db := metadatatest.OpenDatabase(t, retentionDatabase)
	store := analyticstest.OpenDatabase(t, retentionDatabase)
	proj := metadatatest.Project(t, db, "retention-secret")
	ctx := context.Background()
	now := time.Now()
	ids, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{
		{EventID: fmt.Sprintf("%032x", now.UnixNano()), Fingerprint: "stale", Title: "stale", Level: "error", Timestamp: now.Add(-48 * time.Hour)},
		{EventID: fmt.Sprintf("%032x", now.UnixNano()+1), Fingerprint: "live", Title: "live", Level: "error", Timestamp: now}})
	if err != nil {
		t.Fatal(err)
	}
	age := 24
	if _, err := db.UpdateProject(ctx, proj.ProjectID, metadata.ProjectUpdate{ResolveAgeHours: &age}); err != nil {
		t.Fatal(err)
	}
	if err := NewRetention(db, store, 90, 365, time.Hour, nil, slog.New(slog.NewTextHandler(io.Discard, nil))).Pass(ctx, now); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"resolved", "unresolved"} {
		is, err := db.IssueForUser(ctx, proj.UserID, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if is.Status != want {
			t.Errorf("issue %q after the pass: %s, want %s", is.Title, is.Status, want)
		}
	}
}
