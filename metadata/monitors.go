package metadata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Monitor is an uptime or cron monitor. Kind is http, tcp, tls, heartbeat
// or cron.
type Monitor struct {
	ID               int64
	OrgID            int64
	ProjectID        *int64
	Kind             string
	Name             string
	Slug             string // cron monitors: the SDK's monitor_slug
	URL              string
	Method           string
	Body             string
	Headers          map[string]string
	StatusMin        int
	StatusMax        int
	Keyword          string
	KeywordAbsent    bool
	FollowRedirects  bool
	Interval         time.Duration
	Timeout          time.Duration
	FailureThreshold int
	TLSExpiryDays    []int32
	EndpointID       string
	ScheduleType     string // crontab or interval (cron monitors)
	Schedule         string // "0 * * * *", or "10 minute"
	Timezone         string
	CheckinMargin    time.Duration
	MaxRuntime       time.Duration
	Environment      string
	Paused           bool
	IsUp             *bool
	LastChange       *time.Time
	Failures         int
	LastHeartbeat    *time.Time
	TLSReportedDays  *int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

const monitorColumns = `id, organization_id, project_id, kind, name, coalesce(slug, ''), url, method, body, headers,
	expected_status_min, expected_status_max, keyword, keyword_absent, follow_redirects, interval_seconds, timeout_seconds,
	failure_threshold, tls_expiry_days, endpoint_id::text, schedule_type, schedule, timezone, checkin_margin_min,
	max_runtime_min, environment, paused, is_up, last_change, consecutive_failures, last_heartbeat, tls_reported_days,
	created_at, updated_at`

func scanMonitor(r pgx.Row) (Monitor, error) {
	var m Monitor
	var interval, timeout, margin, runtime int
	err := r.Scan(&m.ID, &m.OrgID, &m.ProjectID, &m.Kind, &m.Name, &m.Slug, &m.URL, &m.Method, &m.Body, &m.Headers,
		&m.StatusMin, &m.StatusMax, &m.Keyword, &m.KeywordAbsent, &m.FollowRedirects, &interval, &timeout,
		&m.FailureThreshold, &m.TLSExpiryDays, &m.EndpointID, &m.ScheduleType, &m.Schedule, &m.Timezone, &margin,
		&runtime, &m.Environment, &m.Paused, &m.IsUp, &m.LastChange, &m.Failures, &m.LastHeartbeat, &m.TLSReportedDays,
		&m.CreatedAt, &m.UpdatedAt)
	m.Interval, m.Timeout = time.Duration(interval)*time.Second, time.Duration(timeout)*time.Second
	m.CheckinMargin, m.MaxRuntime = time.Duration(margin)*time.Minute, time.Duration(runtime)*time.Minute
	return m, err
}

func collectMonitors(rows pgx.Rows, err error) ([]Monitor, error) {
	if err != nil {
		return nil, fmt.Errorf("list monitors: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Monitor, error) { return scanMonitor(r) })
	if err != nil {
		return nil, fmt.Errorf("list monitors: %w", err)
	}
	return out, nil
}

// CreateMonitor stores a new monitor and returns it as stored.
func (db *DB) CreateMonitor(ctx context.Context, m Monitor) (Monitor, error) {
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
	if m.TLSExpiryDays == nil {
		m.TLSExpiryDays = []int32{30, 14, 7, 3, 1}
	}
	var slug *string
	if m.Slug != "" {
		slug = &m.Slug
	}
	row := db.pool.QueryRow(ctx, `INSERT INTO monitors (organization_id, project_id, kind, name, slug, url, method, body, headers,
			expected_status_min, expected_status_max, keyword, keyword_absent, follow_redirects, interval_seconds, timeout_seconds,
			failure_threshold, tls_expiry_days, schedule_type, schedule, timezone, checkin_margin_min, max_runtime_min, environment, paused)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)
		RETURNING `+monitorColumns,
		m.OrgID, m.ProjectID, m.Kind, m.Name, slug, m.URL, m.Method, m.Body, m.Headers, m.StatusMin, m.StatusMax, m.Keyword,
		m.KeywordAbsent, m.FollowRedirects, int(m.Interval/time.Second), int(m.Timeout/time.Second), m.FailureThreshold,
		m.TLSExpiryDays, m.ScheduleType, m.Schedule, m.Timezone, int(m.CheckinMargin/time.Minute), int(m.MaxRuntime/time.Minute),
		m.Environment, m.Paused)
	out, err := scanMonitor(row)
	if err != nil {
		if uniqueViolation(err) {
			return out, invalid("a monitor with the slug %q exists in this project", m.Slug)
		}
		return out, fmt.Errorf("create monitor: %w", err)
	}
	return out, nil
}

// UpdateMonitor saves a monitor's settings (not its state) and clears its
// state when what it checks changed.
func (db *DB) UpdateMonitor(ctx context.Context, m Monitor) (Monitor, error) {
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
	if m.TLSExpiryDays == nil {
		m.TLSExpiryDays = []int32{30, 14, 7, 3, 1}
	}
	row := db.pool.QueryRow(ctx, `UPDATE monitors SET project_id = $3, kind = $4, name = $5, url = $6, method = $7, body = $8,
			headers = $9, expected_status_min = $10, expected_status_max = $11, keyword = $12, keyword_absent = $13,
			follow_redirects = $14, interval_seconds = $15, timeout_seconds = $16, failure_threshold = $17, tls_expiry_days = $18,
			schedule_type = $19, schedule = $20, timezone = $21, checkin_margin_min = $22, max_runtime_min = $23,
			environment = $24, paused = $25, updated_at = now(),
			is_up = CASE WHEN kind = $4 AND url = $6 THEN is_up END,
			consecutive_failures = CASE WHEN kind = $4 AND url = $6 THEN consecutive_failures ELSE 0 END
		WHERE organization_id = $1 AND id = $2 RETURNING `+monitorColumns,
		m.OrgID, m.ID, m.ProjectID, m.Kind, m.Name, m.URL, m.Method, m.Body, m.Headers, m.StatusMin, m.StatusMax, m.Keyword,
		m.KeywordAbsent, m.FollowRedirects, int(m.Interval/time.Second), int(m.Timeout/time.Second), m.FailureThreshold,
		m.TLSExpiryDays, m.ScheduleType, m.Schedule, m.Timezone, int(m.CheckinMargin/time.Minute), int(m.MaxRuntime/time.Minute),
		m.Environment, m.Paused)
	out, err := scanMonitor(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return out, ErrNotFound
	}
	if err != nil {
		return out, fmt.Errorf("update monitor: %w", err)
	}
	return out, nil
}

// GetMonitor returns an organization's monitor by id.
func (db *DB) GetMonitor(ctx context.Context, orgID, id int64) (Monitor, error) {
	m, err := scanMonitor(db.pool.QueryRow(ctx, `SELECT `+monitorColumns+` FROM monitors WHERE organization_id = $1 AND id = $2`, orgID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("get monitor: %w", err)
	}
	return m, nil
}

// MonitorBySlug returns an organization's cron monitor by its slug.
func (db *DB) MonitorBySlug(ctx context.Context, orgID int64, slug string) (Monitor, error) {
	m, err := scanMonitor(db.pool.QueryRow(ctx, `SELECT `+monitorColumns+` FROM monitors
		WHERE organization_id = $1 AND slug = $2 ORDER BY id LIMIT 1`, orgID, slug))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("get monitor: %w", err)
	}
	return m, nil
}

// ListMonitors lists an organization's monitors by name.
func (db *DB) ListMonitors(ctx context.Context, orgID int64) ([]Monitor, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+monitorColumns+` FROM monitors WHERE organization_id = $1 ORDER BY lower(name), id`, orgID)
	return collectMonitors(rows, err)
}

// DeleteMonitor deletes an organization's monitor.
func (db *DB) DeleteMonitor(ctx context.Context, orgID, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM monitors WHERE organization_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return fmt.Errorf("delete monitor: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// MonitorStateChange is a monitor going down or up, or its certificate
// reaching an expiry threshold, with the reason.
type MonitorStateChange struct {
	ID        int64
	MonitorID int64
	At        time.Time
	Kind      string // down, up, tls_expiry
	Reason    string
}

// SaveMonitorState records a check's effect on a monitor's state: its
// consecutive failures, and, when it changed, whether it is up, with the
// change in the monitor's history. It answers false, changing nothing, if
// the monitor is gone.
func (db *DB) SaveMonitorState(ctx context.Context, id int64, failures int, change *MonitorStateChange, isUp *bool, tlsReported *int) (bool, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("save monitor state: %w", err)
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, `UPDATE monitors SET consecutive_failures = $2, is_up = $3,
			last_change = CASE WHEN is_up IS DISTINCT FROM $3 THEN now() ELSE last_change END,
			tls_reported_days = $4
		WHERE id = $1`, id, failures, isUp, tlsReported)
	if err != nil {
		return false, fmt.Errorf("save monitor state: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	if change != nil {
		err := tx.QueryRow(ctx, `INSERT INTO monitor_state_changes (monitor_id, kind, reason) VALUES ($1, $2, $3) RETURNING id, at`,
			id, change.Kind, change.Reason).Scan(&change.ID, &change.At)
		if err != nil {
			return false, fmt.Errorf("record monitor state change: %w", err)
		}
	}
	return true, tx.Commit(ctx)
}

// MonitorStateChanges lists a monitor's latest state changes, newest first.
func (db *DB) MonitorStateChanges(ctx context.Context, monitorID int64, limit int) ([]MonitorStateChange, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, monitor_id, at, kind, reason FROM monitor_state_changes
		WHERE monitor_id = $1 ORDER BY id DESC LIMIT $2`, monitorID, limit)
	if err != nil {
		return nil, fmt.Errorf("list monitor state changes: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[MonitorStateChange])
}

// RecordHeartbeat notes a heartbeat monitor's call by its secret endpoint
// id and returns the monitor.
func (db *DB) RecordHeartbeat(ctx context.Context, endpointID string) (Monitor, error) {
	m, err := scanMonitor(db.pool.QueryRow(ctx, `UPDATE monitors SET last_heartbeat = now()
		WHERE endpoint_id::text = $1 AND kind = 'heartbeat' RETURNING `+monitorColumns, endpointID))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("record heartbeat: %w", err)
	}
	return m, nil
}

// LastHeartbeat returns when a heartbeat monitor was last called.
func (db *DB) LastHeartbeat(ctx context.Context, id int64) (*time.Time, error) {
	var t *time.Time
	err := db.pool.QueryRow(ctx, `SELECT last_heartbeat FROM monitors WHERE id = $1`, id).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read heartbeat: %w", err)
	}
	return t, nil
}
