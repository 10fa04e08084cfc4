package monitor

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// panickyStore holds one heartbeat monitor whose heartbeat lookup panics
// the first time, as a bug some monitor's settings lead into would.
type panickyStore struct {
	mu      sync.Mutex
	m       metadata.Monitor
	lookups int
	changes []string
}

func (s *panickyStore) ClaimMonitors(context.Context, string, time.Duration) ([]metadata.Monitor, error) {
	return []metadata.Monitor{s.m}, nil
}

func (s *panickyStore) ReleaseMonitors(context.Context, string) error { return nil }

func (s *panickyStore) SaveMonitorState(_ context.Context, _ int64, _ int, change *metadata.MonitorStateChange, _ *bool, _ *int) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if change != nil {
		s.changes = append(s.changes, change.Kind)
	}
	return true, nil
}

func (s *panickyStore) LastHeartbeat(context.Context, int64) (*time.Time, error) {
	s.mu.Lock()
	s.lookups++
	first := s.lookups == 1
	s.mu.Unlock()
	if first {
		var last *time.Time
		_ = last.Unix() // a nil pointer dereference
	}
	now := time.Now()
	return &now, nil
}

func (s *panickyStore) CronCheckIns(context.Context, int64, time.Time, int) ([]metadata.CronCheckIn, error) {
	return nil, nil
}

func (s *panickyStore) seen() (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookups, append([]string(nil), s.changes...)
}

type panickyChecks struct{}

func (panickyChecks) InsertMonitorChecks(context.Context, []analytics.MonitorCheck) error {
	panic("the check store fell over")
}

// A panic in a check (off the actor's mailbox), in the actor itself (here
// the state-change callback) and in storing checks is logged and counted,
// and the monitor goes on being checked: the process does not end, and the
// actor is not left restarted with stale settings or stopped.
func TestMonitorPanicsAreRecovered(t *testing.T) {
	store := &panickyStore{m: metadata.Monitor{ID: 1, Kind: "heartbeat", Interval: 30 * time.Second, Timeout: 5 * time.Second,
		FailureThreshold: 1, CreatedAt: time.Now().Add(-time.Hour)}}
	var notified sync.Once
	notify := func(StateChange) {
		fired := false
		notified.Do(func() { fired = true })
		if fired {
			panic("an alert rule fell over")
		}
	}
	r := NewRunner(Config{ID: "panic-test", Sync: 20 * time.Millisecond, TimeScale: 1000}, store, panickyChecks{}, notify,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	monitorPanics := r.metrics.monitorPanics
	before := map[string]float64{}
	for _, where := range []string{"check", "actor", "check_writer"} {
		before[where] = testutil.ToFloat64(monitorPanics.WithLabelValues(where))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	var lookups int
	var changes []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		lookups, changes = store.seen()
		// Some checks after the one whose announcement panicked, and a
		// flush of their results.
		if lookups >= 5 && testutil.ToFloat64(monitorPanics.WithLabelValues("check_writer")) > before["check_writer"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %d heartbeat lookups, changes %v", lookups, changes)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runner: %v", err)
	}
	if len(changes) != 1 || changes[0] != "up" {
		t.Errorf("state changes %v, want one up", changes)
	}
	for where, was := range before {
		if got := testutil.ToFloat64(monitorPanics.WithLabelValues(where)) - was; got < 1 {
			t.Errorf("faultline_monitor_panics_total{where=%q} rose by %v, want at least 1", where, got)
		}
	}
}
