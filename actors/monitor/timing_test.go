package monitor

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// memStore is a Store in memory for one runner: it holds every monitor,
// and its heartbeats and cron runs are what the test sets.
type memStore struct {
	mu        sync.Mutex
	monitors  []metadata.Monitor
	heartbeat *time.Time
	runs      []metadata.CronCheckIn
}

func (s *memStore) ClaimMonitors(context.Context, string, time.Duration) ([]metadata.Monitor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]metadata.Monitor(nil), s.monitors...), nil
}

func (s *memStore) ReleaseMonitors(context.Context, string) error { return nil }

func (s *memStore) SaveMonitorState(context.Context, int64, int, *metadata.MonitorStateChange, *bool, *int) (bool, error) {
	return true, nil
}

func (s *memStore) LastHeartbeat(context.Context, int64) (*time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heartbeat, nil
}

func (s *memStore) CronCheckIns(context.Context, int64, time.Time, int) ([]metadata.CronCheckIn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]metadata.CronCheckIn(nil), s.runs...), nil
}

func (s *memStore) beat(at time.Time) {
	s.mu.Lock()
	s.heartbeat = &at
	s.mu.Unlock()
}

type noChecks struct{}

func (noChecks) InsertMonitorChecks(context.Context, []analytics.MonitorCheck) error { return nil }

// change is a state change as announced, with the bubble's time it came at.
type change struct {
	kind, reason string
	at           time.Duration // since the test began
}

// runMonitors runs a runner with production timings over store in the
// bubble, and returns the changes announced so far and a stop function.
func runMonitors(t *testing.T, store *memStore) (changes func() []change, stop func()) {
	start := time.Now()
	var mu sync.Mutex
	var got []change
	notify := func(c StateChange) {
		mu.Lock()
		got = append(got, change{c.Change.Kind, c.Change.Reason, time.Since(start)})
		mu.Unlock()
	}
	r := NewRunner(Config{ID: "timing-test"}, store, noChecks{}, notify, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.Run(ctx); close(done) }()
	return func() []change {
			mu.Lock()
			defer mu.Unlock()
			return append([]change(nil), got...)
		}, func() {
			cancel()
			<-done
		}
}

// checkChanges compares the changes with want, each of which must come
// within its window (from, to] since the start.
func checkChanges(t *testing.T, got []change, want []changeWindow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("changes %+v; want %d", got, len(want))
	}
	for i, w := range want {
		if g := got[i]; g.kind != w.kind || !strings.Contains(g.reason, w.reason) || g.at < w.from || g.at > w.to {
			t.Errorf("change %d: %+v; want %s (%q) in (%v, %v]", i, g, w.kind, w.reason, w.from, w.to)
		}
	}
}

type changeWindow struct {
	kind, reason string
	from, to     time.Duration
}

// A heartbeat monitor (every 5 min, 1 min grace) whose job stops calling
// goes down within a minute (its check period) of the deadline, not
// before; when the job calls again it is up within a minute.
func TestHeartbeatMissedAtItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		store := &memStore{monitors: []metadata.Monitor{{ID: 1, Kind: "heartbeat", Interval: 5 * time.Minute, Timeout: time.Minute,
			CreatedAt: start.Add(-time.Hour), UpdatedAt: start.Add(-time.Hour)}}}
		store.beat(start)
		changes, stop := runMonitors(t, store)
		defer stop()

		time.Sleep(6 * time.Minute) // the deadline: 5 min + 1 min grace
		synctest.Wait()
		checkChanges(t, changes(), []changeWindow{{"up", "", 0, time.Minute}})

		time.Sleep(time.Minute)
		synctest.Wait()
		checkChanges(t, changes(), []changeWindow{{"up", "", 0, time.Minute}, {"down", "no heartbeat since", 6 * time.Minute, 7 * time.Minute}})

		time.Sleep(3 * time.Minute)
		store.beat(time.Now()) // at 10 min the job calls again
		time.Sleep(time.Minute)
		synctest.Wait()
		checkChanges(t, changes(), []changeWindow{{"up", "", 0, time.Minute}, {"down", "no heartbeat since", 6 * time.Minute, 7 * time.Minute},
			{"up", "", 10 * time.Minute, 11 * time.Minute}})
	})
}

// A cron monitor (every 10 min, 1 min margin) whose run does not come is
// down within 30 s (its check period) of the margin's end, not before.
func TestCronRunMissedAtItsMargin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		store := &memStore{
			monitors: []metadata.Monitor{{ID: 2, Kind: "cron", ScheduleType: "interval", Schedule: "10 minute", Timezone: "UTC",
				CheckinMargin: time.Minute, MaxRuntime: 5 * time.Minute, CreatedAt: start.Add(-time.Hour), UpdatedAt: start.Add(-time.Hour)}},
			runs: []metadata.CronCheckIn{{CheckInID: "run-1", Status: "ok", Started: start}},
		}
		changes, stop := runMonitors(t, store)
		defer stop()

		time.Sleep(11*time.Minute - time.Second) // the run due at 10 min has a minute's margin
		synctest.Wait()
		checkChanges(t, changes(), []changeWindow{{"up", "", 0, 30 * time.Second}})

		time.Sleep(31 * time.Second)
		synctest.Wait()
		checkChanges(t, changes(), []changeWindow{{"up", "", 0, 30 * time.Second},
			{"down", "missed: no check-in for the run due at", 11 * time.Minute, 11*time.Minute + 30*time.Second}})
	})
}
