package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Release health counts sessions the way Sentry does. A session update
// carrying a session id is one of several for its session: the session
// counts once, and its final status is that of its last update (by seq;
// of updates with the same seq, such as two sent in the same millisecond,
// the one that says more: ended over ok, crashed over the rest).
// Aggregates, and updates stored before session ids were kept, are counts
// already: their init rows count as sessions and every row counts towards
// its status. A session is errored when it ended errored, crashed or
// abnormal, or reported errors: crashed and abnormal sessions are errored
// too, and "healthy" is what is left.

// HealthQuery selects sessions that started in [Start, End).
type HealthQuery struct {
	ProjectIDs   []uint64
	Start, End   time.Time
	Step         time.Duration // bucket width; 0 for one total per group
	Releases     []string      // any release when empty
	Environments []string      // any environment when empty
	// GroupBy names the groups: any of "project", "release" and
	// "environment".
	GroupBy []string
}

// HealthCounts are the sessions and distinct users of a group.
type HealthCounts struct {
	Sessions      uint64
	Errored       uint64 // includes Crashed and Abnormal
	Crashed       uint64
	Abnormal      uint64
	Users         uint64 // distinct ids; sessions without one count no user
	ErroredUsers  uint64
	CrashedUsers  uint64
	AbnormalUsers uint64
}

// CrashFreeSessions is the share of sessions that did not crash, or false
// without sessions.
func (h HealthCounts) CrashFreeSessions() (float64, bool) { return crashFree(h.Crashed, h.Sessions) }

// CrashFreeUsers is the share of users none of whose sessions crashed, or
// false without users.
func (h HealthCounts) CrashFreeUsers() (float64, bool) { return crashFree(h.CrashedUsers, h.Users) }

func crashFree(crashed, total uint64) (float64, bool) {
	if total == 0 {
		return 0, false
	}
	return max(0, 1-float64(crashed)/float64(total)), true
}

// HealthRow is one group's counts, in one bucket when the query has a Step.
type HealthRow struct {
	ProjectID   uint64 // set when grouped by project
	Release     string // set when grouped by release
	Environment string // set when grouped by environment
	Bucket      time.Time
	HealthCounts
}

var healthGroupColumns = map[string]string{"project": "project_id", "release": "release", "environment": "environment"}

// sessionOutcomes is one row per session of the filtered sessions: from
// their updates when they carry a session id, as stored otherwise. Rows
// without a session id are deduplicated by grouping on the table's sort
// key rather than by FINAL, which would merge every row of the range, the
// session updates too, before the filter on session_id.
const sessionOutcomes = `
	SELECT project_id, release, environment, first_started AS started, did AS distinct_id, toUInt8(1) AS init,
		toUInt32(1) AS quantity, final, toUInt8(max_errors > 0 OR final IN ('errored', 'crashed', 'abnormal')) AS errored
	FROM (
		SELECT project_id, session_id, release, environment, min(started) AS first_started,
			anyIf(distinct_id, distinct_id != '') AS did, argMax(status, (seq, indexOf(['ok', 'exited', 'errored', 'abnormal', 'crashed'], status))) AS final, max(errors) AS max_errors
		FROM sessions WHERE %[1]s AND session_id != ''
		GROUP BY project_id, session_id, release, environment
	)
	UNION ALL
	SELECT project_id, release, env AS environment, started, did AS distinct_id, first AS init, n AS quantity, status AS final,
		toUInt8(errs > 0 OR status IN ('errored', 'crashed', 'abnormal')) AS errored
	FROM (
		SELECT project_id, release, started, record_id, status, any(environment) AS env, any(distinct_id) AS did,
			any(init) AS first, any(quantity) AS n, any(errors) AS errs
		FROM sessions WHERE %[1]s AND session_id = ''
		GROUP BY project_id, release, started, record_id, status
	)`

// SessionHealth counts sessions and users per group (and bucket).
func (s *Store) SessionHealth(ctx context.Context, q HealthQuery) ([]HealthRow, error) {
	where := []string{"project_id IN ?", "started >= ?", "started < ?"}
	args := []any{projectSet(q.ProjectIDs), q.Start.UTC(), q.End.UTC()}
	if len(q.Releases) > 0 {
		where, args = append(where, "release IN ?"), append(args, setOf(q.Releases))
	}
	if len(q.Environments) > 0 {
		where, args = append(where, "environment IN ?"), append(args, setOf(q.Environments))
	}
	cond := strings.Join(where, " AND ")
	bucket := "toUInt64(0)"
	if q.Step > 0 {
		secs := uint64(q.Step / time.Second)
		if secs < 60 {
			return nil, fmt.Errorf("%w: intervals shorter than a minute", ErrBadQuery)
		}
		bucket = fmt.Sprintf("toUInt64(intDiv(toUInt32(started), %d) * %d)", secs, secs)
	}
	groups := []string{"bucket"}
	cols := map[string]string{"project_id": "toUInt64(0)", "release": "''", "environment": "''"}
	for _, g := range q.GroupBy {
		col, ok := healthGroupColumns[g]
		if !ok {
			return nil, fmt.Errorf("%w: cannot group sessions by %q", ErrBadQuery, g)
		}
		cols[col] = col
		groups = append(groups, col)
	}
	sql := fmt.Sprintf(`SELECT %s AS bucket, %s, %s, %s,
			sumIf(quantity, init = 1), sumIf(quantity, errored = 1), sumIf(quantity, final = 'crashed'), sumIf(quantity, final = 'abnormal'),
			uniqIf(distinct_id, distinct_id != ''), uniqIf(distinct_id, distinct_id != '' AND errored = 1),
			uniqIf(distinct_id, distinct_id != '' AND final = 'crashed'), uniqIf(distinct_id, distinct_id != '' AND final = 'abnormal')
		FROM (%s)
		GROUP BY %s ORDER BY %s`,
		bucket, cols["project_id"], cols["release"], cols["environment"],
		fmt.Sprintf(sessionOutcomes, cond), strings.Join(groups, ", "), strings.Join(groups, ", "))
	rows, err := s.conn.Query(ctx, sql, append(args, args...)...)
	if err != nil {
		return nil, fmt.Errorf("query session health: %w", err)
	}
	defer rows.Close()
	var out []HealthRow
	for rows.Next() {
		var r HealthRow
		var b uint64
		if err := rows.Scan(&b, &r.ProjectID, &r.Release, &r.Environment, &r.Sessions, &r.Errored, &r.Crashed, &r.Abnormal,
			&r.Users, &r.ErroredUsers, &r.CrashedUsers, &r.AbnormalUsers); err != nil {
			return nil, fmt.Errorf("read session health: %w", err)
		}
		if q.Step > 0 {
			r.Bucket = time.Unix(int64(b), 0).UTC()
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
