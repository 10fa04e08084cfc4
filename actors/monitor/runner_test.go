package monitor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// env is a runner against real PostgreSQL (a database of its own, as
// leases span the whole database) and ClickHouse, with a clock tests can
// move forward and checks 30 times as frequent as configured.
type env struct {
	t       *testing.T
	db      *metadata.DB
	org     metadata.BootstrapResult
	offset  atomic.Int64 // added to the clock
	mu      sync.Mutex
	changes []StateChange
}

func newEnv(t *testing.T) *env {
	db := metadatatest.OpenDatabase(t, "faultline_test_monitors")
	e := &env{t: t, db: db, org: metadatatest.Project(t, db, "monitor-test-secret")}
	store := analyticstest.OpenDatabase(t, "faultline_test_monitors")
	r := NewRunner(Config{ID: metadatatest.Slug("runner"), Sync: 100 * time.Millisecond, Lease: 5 * time.Second,
		Guard: Guard{AllowPrivate: true}, TimeScale: 30, Clock: e.now}, db, store, e.notify,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
	return e
}

func (e *env) now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

func (e *env) notify(c StateChange) {
	e.mu.Lock()
	e.changes = append(e.changes, c)
	e.mu.Unlock()
}

func (e *env) create(m metadata.Monitor) metadata.Monitor {
	e.t.Helper()
	m.OrgID = e.org.OrganizationID
	if m.Interval == 0 {
		m.Interval = 30 * time.Second
	}
	if m.Timeout == 0 {
		m.Timeout = 5 * time.Second
	}
	if m.FailureThreshold == 0 {
		m.FailureThreshold = 2
	}
	created, err := e.db.CreateMonitor(context.Background(), m)
	if err != nil {
		e.t.Fatalf("create monitor: %v", err)
	}
	e.t.Cleanup(func() { _ = e.db.DeleteMonitor(context.Background(), m.OrgID, created.ID) })
	return created
}

// waitChange waits for the monitor's n-th announced change and returns it.
func (e *env) waitChange(id int64, n int) StateChange {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		e.mu.Lock()
		var mine []StateChange
		for _, c := range e.changes {
			if c.Monitor.ID == id {
				mine = append(mine, c)
			}
		}
		e.mu.Unlock()
		if len(mine) >= n {
			return mine[n-1]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("monitor %d: %d changes after 20 s, waiting for change %d: %+v", id, len(mine), n, mine)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestHTTPMonitorGoesDownAndUpAgain(t *testing.T) {
	e := newEnv(t)
	var failing atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, "all healthy")
	}))
	defer srv.Close()
	m := e.create(metadata.Monitor{Kind: "http", Name: "site", URL: srv.URL, Method: "GET", StatusMin: 200, StatusMax: 299,
		Keyword: "healthy", FollowRedirects: true})

	if c := e.waitChange(m.ID, 1); c.Change.Kind != "up" {
		t.Fatalf("first change: %+v", c.Change)
	}
	failing.Store(true)
	down := e.waitChange(m.ID, 2)
	if down.Change.Kind != "down" || !strings.Contains(down.Change.Reason, "status 500, expected 200–299") ||
		!strings.Contains(down.Change.Reason, "2 checks in a row") {
		t.Fatalf("down: %+v", down.Change)
	}
	failing.Store(false)
	if up := e.waitChange(m.ID, 3); up.Change.Kind != "up" {
		t.Fatalf("recovery: %+v", up.Change)
	}
	stored, err := e.db.GetMonitor(context.Background(), m.OrgID, m.ID)
	if err != nil || stored.IsUp == nil || !*stored.IsUp || stored.Failures != 0 || stored.LastChange == nil {
		t.Errorf("stored state: %+v, %v", stored, err)
	}
	history, err := e.db.MonitorStateChanges(context.Background(), m.ID, 10)
	if err != nil || len(history) != 3 || history[1].Kind != "down" {
		t.Errorf("history: %+v, %v", history, err)
	}
}

func TestSlowAndWrongResponsesAreDown(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-r.Context().Done() // answers only once the check gave up
			return
		}
		fmt.Fprint(w, "degraded")
	}))
	defer srv.Close()
	slow := e.create(metadata.Monitor{Kind: "http", Name: "slow", URL: srv.URL + "/slow", Method: "GET", Timeout: time.Second,
		StatusMin: 200, StatusMax: 299, FailureThreshold: 1})
	keyword := e.create(metadata.Monitor{Kind: "http", Name: "keyword", URL: srv.URL, Method: "GET", StatusMin: 200, StatusMax: 299,
		Keyword: "healthy", FailureThreshold: 1})
	absent := e.create(metadata.Monitor{Kind: "http", Name: "absent", URL: srv.URL, Method: "POST", Body: "{}", StatusMin: 200,
		StatusMax: 299, Keyword: "degraded", KeywordAbsent: true, FailureThreshold: 1})
	for id, want := range map[int64]string{slow.ID: "timed out after 1s", keyword.ID: `keyword "healthy" missing`,
		absent.ID: `keyword "degraded" present`} {
		if c := e.waitChange(id, 1); c.Change.Kind != "down" || !strings.Contains(c.Change.Reason, want) {
			t.Errorf("monitor %d: %+v, want down with %q", id, c.Change, want)
		}
	}
}

func TestHeartbeatThatStops(t *testing.T) {
	e := newEnv(t)
	m := e.create(metadata.Monitor{Kind: "heartbeat", Name: "nightly job"})
	if _, err := e.db.RecordHeartbeat(context.Background(), m.EndpointID); err != nil {
		t.Fatal(err)
	}
	if c := e.waitChange(m.ID, 1); c.Change.Kind != "up" {
		t.Fatalf("after a heartbeat: %+v", c.Change)
	}
	e.offset.Store(int64(time.Minute)) // the job stops calling
	if c := e.waitChange(m.ID, 2); c.Change.Kind != "down" || !strings.Contains(c.Change.Reason, "no heartbeat since") {
		t.Fatalf("after the job stopped: %+v", c.Change)
	}
	e.offset.Store(0)
	if _, err := e.db.RecordHeartbeat(context.Background(), m.EndpointID); err != nil {
		t.Fatal(err)
	}
	if c := e.waitChange(m.ID, 3); c.Change.Kind != "up" {
		t.Fatalf("after it called again: %+v", c.Change)
	}
}

func TestCronMonitorMissedRun(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	config := &metadata.CronConfig{ScheduleType: "crontab", Schedule: "*/10 * * * *", Timezone: "UTC",
		CheckinMargin: time.Minute, MaxRuntime: 5 * time.Minute, FailureIssueThreshold: 1}
	slug := metadatatest.Slug("backup")
	id, err := e.db.RecordCronCheckIn(ctx, e.org.ProjectID, slug, config, metadata.CronCheckIn{CheckInID: "run-1", Status: "ok", Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.db.DeleteMonitor(ctx, e.org.OrganizationID, id) })
	if c := e.waitChange(id, 1); c.Change.Kind != "up" {
		t.Fatalf("after an ok run: %+v", c.Change)
	}
	e.offset.Store(int64(25 * time.Minute)) // two runs due, none checked in
	if c := e.waitChange(id, 2); c.Change.Kind != "down" || !strings.Contains(c.Change.Reason, "missed") {
		t.Fatalf("after missed runs: %+v", c.Change)
	}
}

// Two runners split the monitors without overlap; when one stops, the
// other takes them all.
func TestRunnersShareMonitorsWithoutOverlap(t *testing.T) {
	db := metadatatest.OpenDatabase(t, "faultline_test_monitors")
	org := metadatatest.Project(t, db, "lease-test-secret")
	ctx := context.Background()
	mine := map[int64]bool{}
	for i := range 6 {
		m, err := db.CreateMonitor(ctx, metadata.Monitor{OrgID: org.OrganizationID, Kind: "tcp", Name: fmt.Sprint("m", i),
			URL: "127.0.0.1:1", Interval: time.Hour, Timeout: time.Second, FailureThreshold: 2, StatusMin: 200, StatusMax: 299})
		if err != nil {
			t.Fatal(err)
		}
		mine[m.ID] = true
		t.Cleanup(func() { _ = db.DeleteMonitor(ctx, org.OrganizationID, m.ID) })
	}
	a, b := metadatatest.Slug("runner-a"), metadatatest.Slug("runner-b")
	t.Cleanup(func() { _ = db.ReleaseMonitors(ctx, a); _ = db.ReleaseMonitors(ctx, b) })
	claim := func(runner string) map[int64]bool {
		held, err := db.ClaimMonitors(ctx, runner, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]bool{}
		for _, m := range held {
			out[m.ID] = true
		}
		return out
	}
	claim(a) // alone, a takes everything
	claim(b) // b arrives: nothing free yet
	heldA := claim(a)
	heldB := claim(b) // a gave back what is beyond its half; b takes it
	for id := range mine {
		if heldA[id] && heldB[id] {
			t.Errorf("monitor %d held by both runners", id)
		}
		if !heldA[id] && !heldB[id] {
			t.Errorf("monitor %d held by neither runner", id)
		}
	}
	if len(heldA) == 0 || len(heldB) == 0 {
		t.Errorf("unfair split: a holds %d, b holds %d", len(heldA), len(heldB))
	}
	if err := db.ReleaseMonitors(ctx, a); err != nil {
		t.Fatal(err)
	}
	heldB = claim(b)
	for id := range mine {
		if !heldB[id] {
			t.Errorf("after a stopped, monitor %d is not held by b", id)
		}
	}
}
