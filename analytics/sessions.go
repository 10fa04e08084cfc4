package analytics

import (
	"context"
	"fmt"
	"time"
)

func (s *Store) insertSessions(ctx context.Context, rows []SessionRow) error {
	if len(rows) == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, `INSERT INTO sessions (project_id, record_id, started, release, environment,
		status, init, errors, duration_ms, distinct_id, quantity, session_id, seq)`)
	if err != nil {
		return fmt.Errorf("insert sessions: %w", err)
	}
	defer batch.Abort()
	for _, r := range rows {
		var init uint8
		if r.Init {
			init = 1
		}
		if err := batch.Append(r.ProjectID, r.RecordID, r.Started.UTC(), r.Release, r.Environment, r.Status, init,
			r.Errors, ms(r.Duration), r.DistinctID, r.Quantity, r.SessionID, r.Seq); err != nil {
			return fmt.Errorf("insert sessions: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d sessions: %w", len(rows), err)
	}
	return nil
}

func (s *Store) insertCheckIns(ctx context.Context, rows []CheckInRow) error {
	if len(rows) == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, `INSERT INTO check_ins (project_id, record_id, check_in_id, monitor_slug,
		status, duration_ms, environment, release, received, monitor_config)`)
	if err != nil {
		return fmt.Errorf("insert check-ins: %w", err)
	}
	defer batch.Abort()
	for _, r := range rows {
		if err := batch.Append(r.ProjectID, r.RecordID, r.CheckInID, r.MonitorSlug, r.Status, ms(r.Duration),
			r.Environment, r.Release, r.Received.UTC(), r.MonitorConfig); err != nil {
			return fmt.Errorf("insert check-ins: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d check-ins: %w", len(rows), err)
	}
	return nil
}

// ReleaseHealth is one release's sessions since a time.
type ReleaseHealth struct {
	Release  string
	Started  uint64 // sessions started
	Crashed  uint64
	Errored  uint64 // includes Crashed and Abnormal
	Abnormal uint64
}

// CrashFreeRate is the share of started sessions that did not crash.
func (h ReleaseHealth) CrashFreeRate() float64 {
	if h.Started == 0 {
		return 1
	}
	return 1 - float64(h.Crashed)/float64(h.Started)
}

// ReleaseHealthSince sums a project's sessions per release, counted as
// SessionHealth counts them.
func (s *Store) ReleaseHealthSince(ctx context.Context, projectID uint64, since time.Time) ([]ReleaseHealth, error) {
	rows, err := s.SessionHealth(ctx, HealthQuery{ProjectIDs: []uint64{projectID}, Start: since,
		End: time.Now().Add(time.Hour), GroupBy: []string{"release"}})
	if err != nil {
		return nil, err
	}
	out := make([]ReleaseHealth, len(rows))
	for i, r := range rows {
		out[i] = ReleaseHealth{Release: r.Release, Started: r.Sessions, Crashed: r.Crashed, Errored: r.Errored, Abnormal: r.Abnormal}
	}
	return out, nil
}

// MonitorCheckIns returns the statuses of a monitor's check-ins since a time,
// oldest first.
func (s *Store) MonitorCheckIns(ctx context.Context, projectID uint64, slug string, since time.Time) ([]string, error) {
	rows, err := s.conn.Query(ctx, `SELECT status FROM check_ins FINAL
		WHERE project_id = ? AND monitor_slug = ? AND received >= ?
		ORDER BY received, record_id`, projectID, slug, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("query check-ins: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			return nil, fmt.Errorf("read check-ins: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
