package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

// healthFixture stores sessions whose outcome is known: per release and
// environment, how many were healthy, errored, crashed and abnormal, and
// by which users.
func healthFixture(t *testing.T, s *analytics.Store, project uint64, base time.Time) {
	t.Helper()
	record := 0
	row := func(sid string, seq uint64, release, env, did, status string, init bool, errors uint32, started time.Time) analytics.SessionRow {
		record++
		return analytics.SessionRow{ProjectID: project, RecordID: fmt.Sprintf("%032x", record), Started: started, Release: release,
			Environment: env, Status: status, Init: init, SessionID: sid, Seq: seq, Errors: errors, DistinctID: did, Quantity: 1}
	}
	at := base.Add(10 * time.Minute)
	rows := []analytics.SessionRow{
		// s1 healthy: started and exited.
		row("s1", 1, "app@1", "production", "u1", "ok", true, 0, at), row("s1", 2, "app@1", "production", "u1", "exited", false, 0, at),
		// s2 errored: an error update, then exited with errors.
		row("s2", 1, "app@1", "production", "u2", "ok", true, 0, at), row("s2", 2, "app@1", "production", "u2", "ok", false, 1, at),
		row("s2", 3, "app@1", "production", "u2", "exited", false, 2, at),
		// s3 crashed, its crash update delivered twice.
		row("s3", 1, "app@1", "production", "u3", "ok", true, 0, at), row("s3", 2, "app@1", "production", "u3", "crashed", false, 1, at),
		row("s3", 2, "app@1", "production", "u3", "crashed", false, 1, at),
		// s4 healthy and still running.
		row("s4", 1, "app@1", "production", "u1", "ok", true, 0, at),
		// s5 abnormal.
		row("s5", 1, "app@1", "production", "u4", "ok", true, 0, at), row("s5", 2, "app@1", "production", "u4", "abnormal", false, 0, at),
		// s6 crashed in staging, in the same millisecond as it started.
		row("s6", 1, "app@1", "staging", "u5", "ok", true, 0, at), row("s6", 1, "app@1", "staging", "u5", "crashed", false, 1, at),
		// s7 crashed, its crash stored before its start: seq orders them.
		row("s7", 2, "app@1", "production", "u3", "crashed", false, 1, at), row("s7", 1, "app@1", "production", "u3", "ok", true, 0, at),
		// s8 healthy in another release.
		row("s8", 1, "app@2", "production", "u1", "ok", true, 0, at), row("s8", 2, "app@2", "production", "u1", "exited", false, 0, at),
	}
	// An aggregate an hour later: 10 exited, 2 errored, 1 crashed, no users;
	// delivered twice (a replay keeps its record id).
	later := base.Add(70 * time.Minute)
	for _, st := range []struct {
		status string
		n      uint32
	}{{"exited", 10}, {"errored", 2}, {"crashed", 1}} {
		r := row("", 0, "app@1", "production", "", st.status, true, 0, later)
		r.Quantity = st.n
		rows = append(rows, r, r)
	}
	// Another project's crash, outside the query.
	other := row("x1", 1, "app@1", "production", "u9", "crashed", true, 1, at)
	other.ProjectID = project + 1
	rows = append(rows, other)
	if err := s.Insert(context.Background(), analytics.Rows{Sessions: rows}); err != nil {
		t.Fatal(err)
	}
}

func TestSessionHealthCounts(t *testing.T) {
	s := analyticstest.Open(t)
	project := uniqueProject()
	base := time.Now().UTC().Truncate(time.Hour).Add(-3 * time.Hour)
	healthFixture(t, s, project, base)
	ctx := context.Background()
	q := analytics.HealthQuery{ProjectIDs: []uint64{project}, Start: base, End: base.Add(3 * time.Hour)}

	type counts = analytics.HealthCounts
	tests := []struct {
		name  string
		query func(analytics.HealthQuery) analytics.HealthQuery
		want  []analytics.HealthRow
	}{
		{"by release", func(q analytics.HealthQuery) analytics.HealthQuery { q.GroupBy = []string{"release"}; return q },
			[]analytics.HealthRow{
				{Release: "app@1", HealthCounts: counts{Sessions: 20, Errored: 8, Crashed: 4, Abnormal: 1,
					Users: 5, ErroredUsers: 4, CrashedUsers: 2, AbnormalUsers: 1}},
				{Release: "app@2", HealthCounts: counts{Sessions: 1, Users: 1}},
			}},
		{"by release and environment", func(q analytics.HealthQuery) analytics.HealthQuery {
			q.GroupBy = []string{"release", "environment"}
			return q
		}, []analytics.HealthRow{
			{Release: "app@1", Environment: "production", HealthCounts: counts{Sessions: 19, Errored: 7, Crashed: 3, Abnormal: 1,
				Users: 4, ErroredUsers: 3, CrashedUsers: 1, AbnormalUsers: 1}},
			{Release: "app@1", Environment: "staging", HealthCounts: counts{Sessions: 1, Errored: 1, Crashed: 1, Users: 1, ErroredUsers: 1, CrashedUsers: 1}},
			{Release: "app@2", Environment: "production", HealthCounts: counts{Sessions: 1, Users: 1}},
		}},
		{"hourly, one release", func(q analytics.HealthQuery) analytics.HealthQuery {
			q.Step, q.Releases, q.Environments = time.Hour, []string{"app@1"}, []string{"production"}
			return q
		}, []analytics.HealthRow{
			{Bucket: base, HealthCounts: counts{Sessions: 6, Errored: 4, Crashed: 2, Abnormal: 1, Users: 4, ErroredUsers: 3, CrashedUsers: 1, AbnormalUsers: 1}},
			{Bucket: base.Add(time.Hour), HealthCounts: counts{Sessions: 13, Errored: 3, Crashed: 1}},
		}},
		{"by project, window before the sessions", func(q analytics.HealthQuery) analytics.HealthQuery {
			q.GroupBy, q.End = []string{"project"}, base.Add(5*time.Minute)
			return q
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.SessionHealth(ctx, tt.query(q))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if _, err := s.SessionHealth(ctx, analytics.HealthQuery{ProjectIDs: []uint64{project}, GroupBy: []string{"user"}}); err == nil {
		t.Error("grouping by an unknown column was accepted")
	}
}

// The releases list's health: sessions, crashes, users and adoption per
// project and release.
func TestReleasesHealth(t *testing.T) {
	s := analyticstest.Open(t)
	project := uniqueProject()
	base := time.Now().UTC().Truncate(time.Hour).Add(-3 * time.Hour)
	healthFixture(t, s, project, base)
	got, err := s.ReleasesHealth(context.Background(), []uint64{project}, []string{"app@1", "app@2", "app@3"}, base, base.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pct := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	show := func(h analytics.ReleaseHealthData) string {
		return fmt.Sprintf("sessions %d errored %d crashed %d users %d crashed users %d crash-free %s/%s adoption %s/%s",
			h.TotalSessions, h.SessionsErrored, h.SessionsCrashed, h.TotalUsers, h.UsersCrashed,
			pct(*h.CrashFreeSessions), pct(*h.CrashFreeUsers), pct(*h.SessionsAdoption), pct(*h.UsersAdoption))
	}
	want := map[string]string{
		"app@1": "sessions 20 errored 8 crashed 4 users 5 crashed users 2 crash-free 80.00/60.00 adoption " + pct(100*20.0/21) + "/100.00",
		"app@2": "sessions 1 errored 0 crashed 0 users 1 crashed users 0 crash-free 100.00/100.00 adoption " + pct(100/21.0) + "/20.00",
	}
	if len(got) != len(want) {
		t.Fatalf("health for %d releases, want %d: %+v", len(got), len(want), got)
	}
	for release, w := range want {
		h, ok := got[analytics.ProjectRelease{ProjectID: project, Release: release}]
		if !ok {
			t.Errorf("%s: no health", release)
		} else if show(h) != w {
			t.Errorf("%s: %s\nwant %s", release, show(h), w)
		}
	}
}
