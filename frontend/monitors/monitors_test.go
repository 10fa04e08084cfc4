package monitors_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/monitors"
	"github.com/faultline/faultline/frontend/monitors/monitorstest"
	"github.com/faultline/faultline/metadata"
)

var now = time.Date(2026, 11, 22, 12, 30, 0, 0, time.UTC)

func store() *monitorstest.Store {
	return &monitorstest.Store{
		Monitors: []metadata.Monitor{
			{ID: 1, OrgID: 1, Kind: "http", Name: "site"},
			{ID: 2, OrgID: 1, Kind: "cron", Name: "nightly", Slug: "nightly"},
			{ID: 3, OrgID: 2, Kind: "http", Name: "other org's"},
		},
		Uptime:    map[int64]analytics.UptimeStats{1: {Checks: 10, Up: 9, UptimePct: 90}},
		Strips:    map[int64][]analytics.UptimeBucket{1: {{Checks: 10, Down: 1}}},
		Endpoints: map[string]int64{"secret": 1},
	}
}

func TestList(t *testing.T) {
	s := store()
	got, err := monitors.New(s, s).List(context.Background(), 1, 5, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Uptime == nil || got[0].Uptime.UptimePct != 90 || len(got[0].Strip) != 1 || got[1].Uptime != nil {
		t.Errorf("List = %+v: want site with its day, nightly with no uptime", got)
	}
	if since := s.StripSpan[0]; !since.Equal(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)) || s.Steps[0] != time.Hour {
		t.Errorf("bars from %v in steps of %v, want hourly from the hour a day ago", since, s.Steps[0])
	}
	if got, _ := monitors.New(s, s).List(context.Background(), 1, 5, 9, now); len(got) != 0 {
		t.Errorf("a page past the end: %+v", got)
	}
}

func TestFind(t *testing.T) {
	s := store()
	svc := monitors.New(s, s)
	for ref, want := range map[string]int64{"1": 1, "nightly": 2} {
		if m, err := svc.Find(context.Background(), 1, ref); err != nil || m.ID != want {
			t.Errorf("Find(%q) = %d, %v; want %d", ref, m.ID, err, want)
		}
	}
	var missing *monitors.NotFoundError
	for _, ref := range []string{"3", "weekly", "99"} { // 3 is another organization's
		if _, err := svc.Find(context.Background(), 1, ref); !errors.As(err, &missing) {
			t.Errorf("Find(%q): %v, want a NotFoundError", ref, err)
		}
	}
}

func TestDetailAndStats(t *testing.T) {
	s := store()
	svc := monitors.New(s, s)
	d, err := svc.Detail(context.Background(), s.Monitors[1], now)
	if err != nil {
		t.Fatal(err)
	}
	if d.Checks == nil || d.Uptime == nil {
		t.Errorf("a monitor with no checks: checks %v, uptime %v; want empty, not null", d.Checks, d.Uptime)
	}
	st, err := svc.Stats(context.Background(), 2, time.Hour, time.Minute, now)
	if err != nil || st.UptimePct != 100 {
		t.Errorf("Stats of a monitor not checked = %+v, %v; want 100%% up", st, err)
	}
	st, err = svc.Stats(context.Background(), 1, time.Hour, time.Minute, now)
	if err != nil || st.UptimePct != 90 || len(st.Buckets) != 1 {
		t.Errorf("Stats = %+v, %v", st, err)
	}
}

func TestMonitorErrors(t *testing.T) {
	ctx := context.Background()
	down := analytics.ErrUnavailable
	svc := func(fail map[string]error) *monitors.Service {
		s := store()
		s.Fail = fail
		return monitors.New(s, s)
	}
	mon := metadata.Monitor{ID: 1, OrgID: 1}
	for name, call := range map[string]func() error{
		"list, PostgreSQL": func() error {
			_, err := svc(map[string]error{"ListMonitors": metadata.ErrBusy}).List(ctx, 1, 5, 0, now)
			return err
		},
		"list, strips": func() error {
			_, err := svc(map[string]error{"MonitorStrips": down}).List(ctx, 1, 5, 0, now)
			return err
		},
		"list, uptime": func() error {
			_, err := svc(map[string]error{"MonitorUptime": down}).List(ctx, 1, 5, 0, now)
			return err
		},
		"detail, checks": func() error { _, err := svc(map[string]error{"RecentChecks": down}).Detail(ctx, mon, now); return err },
		"detail, changes": func() error {
			_, err := svc(map[string]error{"MonitorStateChanges": metadata.ErrBusy}).Detail(ctx, mon, now)
			return err
		},
		"stats": func() error {
			_, err := svc(map[string]error{"MonitorUptime": down}).Stats(ctx, 1, time.Hour, time.Minute, now)
			return err
		},
		"find": func() error {
			_, err := svc(map[string]error{"GetMonitor": metadata.ErrBusy}).Find(ctx, 1, "1")
			return err
		},
		"heartbeat": func() error {
			return svc(map[string]error{"RecordHeartbeat": metadata.ErrBusy}).Heartbeat(ctx, "secret")
		},
	} {
		err := call()
		if !errors.Is(err, down) && !errors.Is(err, metadata.ErrBusy) {
			t.Errorf("%s with its store failing: %v", name, err)
		}
	}
	var missing *monitors.NotFoundError
	if err := svc(nil).Heartbeat(ctx, "guess"); !errors.As(err, &missing) {
		t.Errorf("an unknown heartbeat endpoint: %v, want a NotFoundError", err)
	}
	if _, err := svc(nil).Update(ctx, metadata.Monitor{ID: 99, OrgID: 1}); !errors.As(err, &missing) {
		t.Errorf("updating a monitor deleted meanwhile: %v, want a NotFoundError", err)
	}
}
