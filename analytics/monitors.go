package analytics

import (
	"context"
	"fmt"
	"time"
)

// MonitorCheck is one uptime check's result.
type MonitorCheck struct {
	MonitorID    uint64
	OrgID        uint64
	Checked      time.Time
	Up           bool
	ResponseTime time.Duration
	StatusCode   uint16
	Reason       string
}

// InsertMonitorChecks writes check results in one INSERT.
func (s *Store) InsertMonitorChecks(ctx context.Context, checks []MonitorCheck) error {
	if len(checks) == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, `INSERT INTO monitor_checks (monitor_id, org_id, checked, checked_ms, is_up,
		response_ms, status_code, reason)`)
	if err != nil {
		return fmt.Errorf("insert monitor checks: %w", err)
	}
	defer batch.Abort()
	for _, c := range checks {
		up := uint8(0)
		if c.Up {
			up = 1
		}
		if err := batch.Append(c.MonitorID, c.OrgID, c.Checked.UTC(), uint16(c.Checked.Nanosecond()/1e6), up, ms(c.ResponseTime),
			c.StatusCode, c.Reason); err != nil {
			return fmt.Errorf("insert monitor checks: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d monitor checks: %w", len(checks), err)
	}
	return nil
}

// RecentChecks returns a monitor's latest checks, newest first, skipping
// offset of them.
func (s *Store) RecentChecks(ctx context.Context, monitorID uint64, limit, offset int) ([]MonitorCheck, error) {
	rows, err := s.conn.Query(ctx, `SELECT checked, checked_ms, is_up, response_ms, status_code, reason FROM monitor_checks
		WHERE monitor_id = ? ORDER BY checked DESC, checked_ms DESC LIMIT ?, ?`, monitorID, offset, limit)
	if err != nil {
		return nil, fmt.Errorf("query monitor checks: %w", err)
	}
	defer rows.Close()
	var out []MonitorCheck
	for rows.Next() {
		c := MonitorCheck{MonitorID: monitorID}
		var cms uint16
		var up uint8
		var resp float64
		if err := rows.Scan(&c.Checked, &cms, &up, &resp, &c.StatusCode, &c.Reason); err != nil {
			return nil, fmt.Errorf("read monitor checks: %w", err)
		}
		c.Checked = c.Checked.Add(time.Duration(cms) * time.Millisecond).UTC()
		c.Up, c.ResponseTime = up == 1, time.Duration(resp*float64(time.Millisecond))
		out = append(out, c)
	}
	return out, rows.Err()
}

// UptimeStats is a monitor's record over a period.
type UptimeStats struct {
	Checks    uint64
	Up        uint64
	UptimePct float64 // 0–100; 100 when there were no checks
	P50, P95  float64 // response time, ms, of successful checks
	P99       float64
}

// MonitorUptime sums monitors' checks since a time.
func (s *Store) MonitorUptime(ctx context.Context, monitorIDs []uint64, since time.Time) (map[uint64]UptimeStats, error) {
	ids := setOf(monitorIDs)
	out := map[uint64]UptimeStats{}
	if len(monitorIDs) == 0 {
		return out, nil
	}
	rows, err := s.conn.Query(ctx, `SELECT monitor_id, count(), sum(is_up),
			quantilesTDigestIf(0.5, 0.95, 0.99)(response_ms, is_up = 1) AS qs
		FROM monitor_checks WHERE monitor_id IN ? AND checked >= ? GROUP BY monitor_id`, ids, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("query uptime: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, checks, up uint64
		var qs []float32
		if err := rows.Scan(&id, &checks, &up, &qs); err != nil {
			return nil, fmt.Errorf("read uptime: %w", err)
		}
		u := UptimeStats{Checks: checks, Up: up, UptimePct: 100}
		if checks > 0 {
			u.UptimePct = 100 * float64(up) / float64(checks)
		}
		if len(qs) == 3 && up > 0 {
			u.P50, u.P95, u.P99 = float64(qs[0]), float64(qs[1]), float64(qs[2])
		}
		out[id] = u
	}
	return out, rows.Err()
}

// UptimeBucket is one slot of a status strip or response-time chart.
type UptimeBucket struct {
	Start  time.Time
	Checks uint64
	Down   uint64
	AvgMS  float64 // of successful checks
}

// MonitorStrips buckets monitors' checks by step since a time: the bars of
// a status strip (and the points of a response-time chart).
func (s *Store) MonitorStrips(ctx context.Context, monitorIDs []uint64, since time.Time, step time.Duration) (map[uint64][]UptimeBucket, error) {
	secs := int64(step / time.Second)
	out := map[uint64][]UptimeBucket{}
	if len(monitorIDs) == 0 || secs < 1 {
		return out, nil
	}
	ids := setOf(monitorIDs)
	start := since.Unix() / secs * secs
	n := int((time.Now().Unix()-start)/secs) + 1
	rows, err := s.conn.Query(ctx, `SELECT monitor_id, toInt64(intDiv(toUInt32(checked), ?) * ?) AS bucket, count(), countIf(is_up = 0),
			avgIf(response_ms, is_up = 1)
		FROM monitor_checks WHERE monitor_id IN ? AND checked >= ? GROUP BY monitor_id, bucket`,
		secs, secs, ids, time.Unix(start, 0).UTC())
	if err != nil {
		return nil, fmt.Errorf("query status strips: %w", err)
	}
	defer rows.Close()
	for _, id := range monitorIDs {
		b := make([]UptimeBucket, n)
		for i := range b {
			b[i].Start = time.Unix(start+int64(i)*secs, 0).UTC()
		}
		out[id] = b
	}
	for rows.Next() {
		var id uint64
		var bucket int64
		var checks, down uint64
		var avg float64
		if err := rows.Scan(&id, &bucket, &checks, &down, &avg); err != nil {
			return nil, fmt.Errorf("read status strips: %w", err)
		}
		if i := int((bucket - start) / secs); i >= 0 && i < n {
			b := &out[id][i]
			b.Checks, b.Down = checks, down
			if checks > down {
				b.AvgMS = avg
			}
		}
	}
	return out, rows.Err()
}
