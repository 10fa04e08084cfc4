package analytics

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// ReleaseSeen is when a release's events were first and last seen, and
// in which projects.
type ReleaseSeen struct {
	Release     string
	First, Last time.Time
	Projects    []uint64 // ascending
}

// MaxReleasesSeen bounds the releases ReleasesSeen answers.
const MaxReleasesSeen = 10_000

// ReleasesSeen lists the releases named by the projects' events since a
// time (only those of versions, unless versions is nil), with their first
// and last events in that window and the projects that sent them, most recently seen first. A replayed
// event changes neither time, so no deduplication is needed.
func (s *Store) ReleasesSeen(ctx context.Context, projectIDs []uint64, versions []string, since time.Time) ([]ReleaseSeen, error) {
	q := `SELECT release, min(timestamp), max(timestamp), groupUniqArray(project_id) FROM events
		WHERE project_id IN ? AND timestamp >= ? AND release != ''`
	args := []any{projectSet(projectIDs), since.UTC()}
	if versions != nil {
		if len(versions) == 0 {
			return nil, nil
		}
		q += ` AND release IN ?`
		args = append(args, setOf(versions))
	}
	q += fmt.Sprintf(` GROUP BY release ORDER BY max(timestamp) DESC, release LIMIT %d`, MaxReleasesSeen)
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query releases seen: %w", err)
	}
	defer rows.Close()
	var out []ReleaseSeen
	for rows.Next() {
		var r ReleaseSeen
		if err := rows.Scan(&r.Release, &r.First, &r.Last, &r.Projects); err != nil {
			return nil, fmt.Errorf("read releases seen: %w", err)
		}
		slices.Sort(r.Projects)
		out = append(out, r)
	}
	return out, rows.Err()
}
