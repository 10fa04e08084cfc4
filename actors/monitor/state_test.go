package monitor

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStateDownAfterThresholdUpAfterOne(t *testing.T) {
	now := time.Now()
	ok, fail := Result{Up: true}, Result{Reason: "status 500, expected 200–299"}
	var s State
	steps := []struct {
		r    Result
		want string // the change kind, or ""
	}{
		{ok, "up"}, {fail, ""}, {ok, ""}, {fail, ""}, {fail, "down"}, {fail, ""}, {ok, "up"}, {ok, ""},
	}
	for i, step := range steps {
		changes := s.Apply(step.r, 2, nil, now)
		got := ""
		if len(changes) > 0 {
			got = changes[0].Kind
		}
		if got != step.want {
			t.Errorf("step %d: change %q, want %q (state %+v)", i, got, step.want, s)
		}
	}
	s = State{}
	if c := s.Apply(fail, 2, nil, now); len(c) != 0 {
		t.Errorf("one failure of a new monitor: %+v", c)
	}
	if c := s.Apply(fail, 2, nil, now); len(c) != 1 || !strings.Contains(c[0].Reason, "status 500") {
		t.Errorf("second failure: %+v", c)
	}
}

func TestStateReportsEachTLSThresholdOnce(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	days := []int32{30, 14, 7, 3, 1}
	var s State
	for _, tc := range []struct {
		left int
		want int // threshold reported, -1 for none
	}{{60, -1}, {29, 30}, {20, -1}, {13, 14}, {13, -1}, {2, 3}, {0, 1}, {90, -1}, {25, 30}} {
		r := Result{Up: true, CertNotAfter: now.Add(time.Duration(tc.left)*24*time.Hour + time.Hour)}
		var got []Change
		for _, c := range s.Apply(r, 2, days, now) {
			if c.Kind == "tls_expiry" {
				got = append(got, c)
			}
		}
		switch {
		case tc.want < 0 && len(got) != 0:
			t.Errorf("%d days left: reported %+v", tc.left, got)
		case tc.want >= 0 && (len(got) != 1 || !strings.Contains(got[0].Reason, "threshold "+strconv.Itoa(tc.want)+" days")):
			t.Errorf("%d days left: %+v, want the %d-day threshold", tc.left, got, tc.want)
		}
	}
}

func TestEvaluateCron(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	hourly := CronSchedule{Type: "crontab", Value: "0 * * * *", Timezone: "UTC", Margin: 5 * time.Minute,
		MaxRuntime: 10 * time.Minute, Since: at("2026-01-01T08:30:00Z")}
	for _, tc := range []struct {
		name   string
		sched  CronSchedule
		runs   []Run
		now    string
		known  bool
		up     bool
		reason string
	}{
		{"new, nothing due yet", hourly, nil, "2026-01-01T09:03:00Z", false, false, ""},
		{"new, first run missed", hourly, nil, "2026-01-01T09:06:00Z", true, false, "missed: no check-in for the run due at 2026-01-01T09:00:00Z"},
		{"on time and ok", hourly, []Run{{"ok", at("2026-01-01T09:00:02Z")}}, "2026-01-01T09:30:00Z", true, true, ""},
		{"a little early still counts", hourly, []Run{{"ok", at("2026-01-01T08:59:50Z")}}, "2026-01-01T09:30:00Z", true, true, ""},
		{"late within the margin", hourly, []Run{{"ok", at("2026-01-01T09:00:02Z")}}, "2026-01-01T10:04:00Z", true, true, ""},
		{"next run missed", hourly, []Run{{"ok", at("2026-01-01T09:00:02Z")}}, "2026-01-01T10:06:00Z", true, false, "missed: no check-in for the run due at 2026-01-01T10:00:00Z"},
		{"in progress within runtime", hourly, []Run{{"in_progress", at("2026-01-01T09:00:00Z")}}, "2026-01-01T09:08:00Z", true, true, ""},
		{"in progress too long", hourly, []Run{{"in_progress", at("2026-01-01T09:00:00Z")}}, "2026-01-01T09:11:00Z", true, false, "timed out"},
		{"error reported", hourly, []Run{{"error", at("2026-01-01T09:00:00Z")}}, "2026-01-01T09:01:00Z", true, false, "reported an error"},
		{"recovered", hourly, []Run{{"ok", at("2026-01-01T10:00:00Z")}, {"error", at("2026-01-01T09:00:00Z")}}, "2026-01-01T10:01:00Z", true, true, ""},
		{"time zone", CronSchedule{Type: "crontab", Value: "0 9 * * *", Timezone: "Europe/Vienna", Margin: time.Minute, Since: at("2026-01-01T00:00:00Z")},
			nil, "2026-01-01T08:02:00Z", true, false, "due at 2026-01-01T08:00:00Z"},
		{"interval", CronSchedule{Type: "interval", Value: "10 minute", Margin: time.Minute, Since: at("2026-01-01T00:00:00Z")},
			[]Run{{"ok", at("2026-01-01T09:00:00Z")}}, "2026-01-01T09:12:00Z", true, false, "due at 2026-01-01T09:10:00Z"},
		{"bad crontab, no runs", CronSchedule{Type: "crontab", Value: "every day"}, nil, "2026-01-01T09:00:00Z", false, false, ""},
	} {
		r, known := EvaluateCron(tc.sched, tc.runs, at(tc.now))
		if known != tc.known || (known && (r.Up != tc.up || !strings.Contains(r.Reason, tc.reason))) {
			t.Errorf("%s: known %v up %v reason %q; want known %v up %v reason containing %q", tc.name, known, r.Up, r.Reason, tc.known, tc.up, tc.reason)
		}
	}
}
