package analytics

import (
	"context"
	"time"
)

// ProjectRelease names a release of a project.
type ProjectRelease struct {
	ProjectID uint64
	Release   string
}

// ReleaseHealthData is a release's health in one project over a window, in
// the units of Sentry's release "healthData": rates and adoption are
// percentages.
type ReleaseHealthData struct {
	TotalSessions   uint64
	SessionsErrored uint64 // includes crashed and abnormal sessions
	SessionsCrashed uint64
	TotalUsers      uint64
	UsersCrashed    uint64
	// CrashFreeSessions and CrashFreeUsers are nil without sessions, or
	// without users (sessions that named none).
	CrashFreeSessions *float64
	CrashFreeUsers    *float64
	// SessionsAdoption is the release's share of the project's sessions in
	// the window, UsersAdoption its share of the project's users (Sentry's
	// "adoption"); nil when the project had none.
	SessionsAdoption *float64
	UsersAdoption    *float64
}

// ReleasesHealth is the health of releases of projects over the sessions
// that started in [since, until): one entry per project and release with
// sessions; releases without any are absent.
func (s *Store) ReleasesHealth(ctx context.Context, projectIDs []uint64, releases []string, since, until time.Time) (map[ProjectRelease]ReleaseHealthData, error) {
	out := map[ProjectRelease]ReleaseHealthData{}
	if len(releases) == 0 || len(projectIDs) == 0 {
		return out, nil
	}
	q := HealthQuery{ProjectIDs: projectIDs, Start: since, End: until, GroupBy: []string{"project"}}
	totals, err := s.SessionHealth(ctx, q)
	if err != nil {
		return nil, err
	}
	perProject := map[uint64]HealthCounts{}
	for _, t := range totals {
		perProject[t.ProjectID] = t.HealthCounts
	}
	q.Releases, q.GroupBy = releases, []string{"project", "release"}
	rows, err := s.SessionHealth(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		h := ReleaseHealthData{TotalSessions: r.Sessions, SessionsErrored: r.Errored, SessionsCrashed: r.Crashed,
			TotalUsers: r.Users, UsersCrashed: r.CrashedUsers}
		if v, ok := r.CrashFreeSessions(); ok {
			h.CrashFreeSessions = percent(v, 1)
		}
		if v, ok := r.CrashFreeUsers(); ok {
			h.CrashFreeUsers = percent(v, 1)
		}
		project := perProject[r.ProjectID]
		if project.Sessions > 0 {
			h.SessionsAdoption = percent(float64(r.Sessions), float64(project.Sessions))
		}
		if project.Users > 0 {
			h.UsersAdoption = percent(float64(r.Users), float64(project.Users))
		}
		out[ProjectRelease{r.ProjectID, r.Release}] = h
	}
	return out, nil
}

func percent(part, whole float64) *float64 {
	v := 100 * part / whole
	return &v
}
