package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/actors/monitor"
	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Six alerts due at once for one webhook go out as one digest.
func TestManyDueAlertsMakeOneDigest(t *testing.T) {
	db := metadatatest.Open(t)
	proj := metadatatest.Project(t, db, "alert-test-secret")
	ctx := context.Background()
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
	}))
	defer srv.Close()
	rule, err := db.SaveAlertRule(ctx, metadata.AlertRule{ProjectID: proj.ProjectID, Name: "digest", Triggers: []string{"new_issue"},
		TimespanMin: 1, Quantity: 1, UsersQuantity: 1, IntervalMin: 60, Enabled: true,
		Recipients: []metadata.AlertRecipient{{Kind: "webhook", URL: srv.URL, Secret: "s3cret"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		issue := int64(1_000_000 + i)
		if id, err := db.FireAlert(ctx, rule, metadata.Alert{ProjectID: proj.ProjectID, IssueID: &issue, Trigger: "new_issue",
			Title: "New issue", Body: "b", Link: "l"}); err != nil || id == 0 {
			t.Fatalf("fire %d: %d %v", i, id, err)
		}
	}
	d := NewDispatcher(db, DispatcherConfig{Guard: monitor.Guard{AllowPrivate: true}}, nil, quiet)
	for d.dispatchOnce(ctx) {
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 {
		t.Fatalf("%d webhook calls, want one digest", len(bodies))
	}
	var digest struct {
		Title  string
		Alerts []json.RawMessage
	}
	if err := json.Unmarshal(bodies[0], &digest); err != nil || len(digest.Alerts) != 6 || digest.Title != "6 alerts" {
		t.Errorf("digest %s", bodies[0])
	}
}

// A frequency window survives a restart: what the evaluator saw before is
// read back from ClickHouse by the next one.
func TestFrequencyWindowRebuiltFromClickHouse(t *testing.T) {
	db := metadatatest.Open(t)
	store := analyticstest.Open(t)
	proj := metadatatest.Project(t, db, "alert-test-secret")
	ctx := context.Background()
	_, err := db.SaveAlertRule(ctx, metadata.AlertRule{ProjectID: proj.ProjectID, Name: "five a minute", Triggers: []string{"frequency"},
		TimespanMin: 5, Quantity: 5, UsersQuantity: 1, IntervalMin: 60, Enabled: true,
		Recipients: []metadata.AlertRecipient{{Kind: "webhook", URL: "https://example.com/hook", Secret: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{{EventID: "0000000000000000000000000000a001",
		Fingerprint: "fp", Title: "Boom", Level: "error", Timestamp: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	issue := ids[0]
	facts := func(n int) []EventFacts {
		out := make([]EventFacts, n)
		for i := range out {
			out[i] = EventFacts{IssueID: issue, Title: "Boom", Level: "error"}
		}
		return out
	}
	// Before the restart: three events seen (and stored in ClickHouse).
	before := NewEngine(db, store, EngineConfig{BaseURL: "http://faultline.test"}, nil, quiet).NewEvaluator(proj.ProjectID)
	if err := before.Observe(ctx, facts(3)); err != nil {
		t.Fatal(err)
	}
	var rows []analytics.EventRow
	for i := range 3 {
		rows = append(rows, analytics.EventRow{ProjectID: uint64(proj.ProjectID), IssueID: uint64(issue),
			EventID: fmt.Sprintf("%032x", 0xb000+i), Timestamp: time.Now(), Received: time.Now(), Level: "error", Title: "Boom",
			Payload: []byte("{}")})
	}
	if err := store.InsertEvents(ctx, rows); err != nil {
		t.Fatal(err)
	}
	history := func() int {
		h, err := db.AlertHistory(ctx, proj.ProjectID, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(h)
	}
	if n := history(); n != 0 {
		t.Fatalf("%d alerts after 3 events, want none", n)
	}
	// After it: two more make five within the window.
	after := NewEngine(db, store, EngineConfig{BaseURL: "http://faultline.test"}, nil, quiet).NewEvaluator(proj.ProjectID)
	if err := after.Observe(ctx, facts(2)); err != nil {
		t.Fatal(err)
	}
	if n := history(); n != 1 {
		t.Fatalf("%d alerts after 3 + 2 events across a restart, want 1", n)
	}
}

// After its partition moved away and back, a project's evaluator reads the
// window again: events another worker counted meanwhile are not lost.
func TestResetRereadsTheWindow(t *testing.T) {
	db := metadatatest.Open(t)
	store := analyticstest.Open(t)
	proj := metadatatest.Project(t, db, "alert-test-secret")
	ctx := context.Background()
	if _, err := db.SaveAlertRule(ctx, metadata.AlertRule{ProjectID: proj.ProjectID, Name: "five", Triggers: []string{"frequency"},
		TimespanMin: 5, Quantity: 5, UsersQuantity: 1, IntervalMin: 60, Enabled: true,
		Recipients: []metadata.AlertRecipient{{Kind: "webhook", URL: "https://example.com/hook", Secret: "x"}}}); err != nil {
		t.Fatal(err)
	}
	ids, err := db.RecordEvents(ctx, proj.ProjectID, []metadata.GroupedEvent{{EventID: "0000000000000000000000000000c001",
		Fingerprint: "fp", Title: "Boom", Level: "error", Timestamp: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	issue := ids[0]
	store4 := func(from int) {
		var rows []analytics.EventRow
		for i := from; i < from+2; i++ {
			rows = append(rows, analytics.EventRow{ProjectID: uint64(proj.ProjectID), IssueID: uint64(issue), EventID: fmt.Sprintf("%032x", 0xc100+i),
				Timestamp: time.Now(), Received: time.Now(), Level: "error", Title: "Boom", Payload: []byte("{}")})
		}
		if err := store.InsertEvents(ctx, rows); err != nil {
			t.Fatal(err)
		}
	}
	ev := NewEngine(db, store, EngineConfig{BaseURL: "http://faultline.test"}, nil, quiet).NewEvaluator(proj.ProjectID)
	fact := []EventFacts{{IssueID: issue, Title: "Boom", Level: "error"}}
	for range 2 {
		if err := ev.Observe(ctx, fact); err != nil {
			t.Fatal(err)
		}
	}
	store4(0) // the two it saw, now stored
	store4(2) // and two another worker handled while it did not own the partition
	ev.Reset()
	if err := ev.Observe(ctx, fact); err != nil { // 4 in ClickHouse + 1
		t.Fatal(err)
	}
	if h, err := db.AlertHistory(ctx, proj.ProjectID, 10, 0); err != nil || len(h) != 1 {
		t.Fatalf("%d alerts after 5 events across a partition move, want 1 (%v)", len(h), err)
	}
}

// mailbox is a Mailer that keeps who was sent what.
type mailbox struct {
	mu sync.Mutex
	to []string
}

func (m *mailbox) Send(_ context.Context, to, _, _, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.to = append(m.to, to)
	return nil
}

// Alert email goes only to the organization's members, even for a rule
// saved with another address (before the API refused them, or by hand).
func TestAlertEmailSkipsOutsiders(t *testing.T) {
	db := metadatatest.Open(t)
	proj := metadatatest.Project(t, db, "alert-test-secret")
	ctx := context.Background()
	members, err := db.ListMembers(ctx, proj.OrganizationID)
	if err != nil || len(members) != 1 {
		t.Fatalf("members: %+v %v", members, err)
	}
	member := members[0].Email
	rule, err := db.SaveAlertRule(ctx, metadata.AlertRule{ProjectID: proj.ProjectID, Name: "mail", Triggers: []string{"new_issue"},
		TimespanMin: 1, Quantity: 1, UsersQuantity: 1, IntervalMin: 60, Enabled: true,
		Recipients: []metadata.AlertRecipient{{Kind: "email", URL: "victim@elsewhere.example"}, {Kind: "email", URL: strings.ToUpper(member)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.FireAlert(ctx, rule, metadata.Alert{ProjectID: proj.ProjectID, Trigger: "test", Title: "t", Body: "b", Link: "l"}); err != nil {
		t.Fatal(err)
	}
	mail := &mailbox{}
	d := NewDispatcher(db, DispatcherConfig{Guard: monitor.Guard{AllowPrivate: true}, Mailer: mail}, nil, quiet)
	for d.dispatchOnce(ctx) {
	}
	if len(mail.to) != 1 || !strings.EqualFold(mail.to[0], member) {
		t.Errorf("alert email went to %q, want only the member %s", mail.to, member)
	}
	history, err := db.AlertHistory(ctx, proj.ProjectID, 10, 0)
	if err != nil || len(history) != 1 {
		t.Fatalf("history: %+v %v", history, err)
	}
	for _, del := range history[0].Deliveries {
		outsider := del.Target == "victim@elsewhere.example"
		if outsider && (del.Status != "failed" || !strings.Contains(del.LastError, "not a member")) || !outsider && del.Status != "sent" {
			t.Errorf("delivery to %s: %s %q", del.Target, del.Status, del.LastError)
		}
	}
}
