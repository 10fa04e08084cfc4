package metadata

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// CronConfig is the monitor_config an SDK sends with a check-in: the
// monitor is created or updated from it.
type CronConfig struct {
	ScheduleType          string // crontab or interval
	Schedule              string // "0 * * * *" or "10 minute"
	Timezone              string
	CheckinMargin         time.Duration
	MaxRuntime            time.Duration
	FailureIssueThreshold int
}

// CronCheckIn is one run of a cron job as its check-ins tell it: started
// by the first (in_progress, or a lone ok/error), finished by ok or error.
type CronCheckIn struct {
	ID          int64
	MonitorID   int64
	CheckInID   string
	Status      string // in_progress, ok, error
	Started     time.Time
	Finished    *time.Time
	DurationMS  *float64
	Environment string
}

// RecordCronCheckIn files a check-in under its project's monitor with
// slug, creating the monitor (or updating its schedule) from config when
// given. Without a config, an unknown slug gets a monitor without a
// schedule (its runs are recorded and judged; missed runs need a schedule,
// set through the API or a later monitor_config). Replays are harmless: a
// run's row is keyed by check-in id.
func (db *DB) RecordCronCheckIn(ctx context.Context, projectID int64, slug string, config *CronConfig, c CronCheckIn) (int64, error) {
	var monitorID int64
	if config != nil {
		err := db.pool.QueryRow(ctx, `INSERT INTO monitors (organization_id, project_id, kind, name, slug, schedule_type, schedule,
				timezone, checkin_margin_min, max_runtime_min, failure_threshold, interval_seconds)
			VALUES ((SELECT organization_id FROM projects WHERE id = $1), $1, 'cron', $2, $2, $3, $4, $5, $6, $7, $8, 60)
			ON CONFLICT (project_id, slug) WHERE slug IS NOT NULL DO UPDATE SET schedule_type = $3, schedule = $4, timezone = $5,
				checkin_margin_min = $6, max_runtime_min = $7, failure_threshold = $8, updated_at = now()
			RETURNING id`, projectID, slug, config.ScheduleType, config.Schedule, config.Timezone,
			max(int(config.CheckinMargin/time.Minute), 1), max(int(config.MaxRuntime/time.Minute), 1),
			max(config.FailureIssueThreshold, 1)).Scan(&monitorID)
		if err != nil {
			return 0, fmt.Errorf("upsert cron monitor %q: %w", slug, err)
		}
	} else {
		err := db.pool.QueryRow(ctx, `INSERT INTO monitors (organization_id, project_id, kind, name, slug, failure_threshold, interval_seconds)
			VALUES ((SELECT organization_id FROM projects WHERE id = $1), $1, 'cron', $2, $2, 1, 60)
			ON CONFLICT (project_id, slug) WHERE slug IS NOT NULL DO UPDATE SET slug = EXCLUDED.slug
			RETURNING id`, projectID, slug).Scan(&monitorID)
		if err != nil {
			return 0, fmt.Errorf("find cron monitor %q: %w", slug, err)
		}
	}
	var finished *time.Time
	if c.Status == "ok" || c.Status == "error" {
		finished = &c.Started
		if c.DurationMS != nil {
			// A finishing check-in's time is the end; the run began its duration earlier.
			start := c.Started.Add(-time.Duration(*c.DurationMS * float64(time.Millisecond)))
			c.Started = start
		}
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO cron_checkins (monitor_id, check_in_id, status, started_at, finished_at, duration_ms, environment)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (monitor_id, check_in_id) DO UPDATE SET
			status = CASE WHEN cron_checkins.status = 'in_progress' OR EXCLUDED.status <> 'in_progress' THEN EXCLUDED.status ELSE cron_checkins.status END,
			finished_at = coalesce(EXCLUDED.finished_at, cron_checkins.finished_at),
			duration_ms = coalesce(EXCLUDED.duration_ms,
				CASE WHEN EXCLUDED.finished_at IS NOT NULL THEN extract(epoch FROM EXCLUDED.finished_at - cron_checkins.started_at) * 1000 END,
				cron_checkins.duration_ms)`,
		monitorID, c.CheckInID, c.Status, c.Started, finished, c.DurationMS, c.Environment)
	if err != nil {
		return 0, fmt.Errorf("record check-in: %w", err)
	}
	return monitorID, nil
}

// CronCheckIns lists a cron monitor's runs started since a time, the most
// recently reported (finished, or else started) first.
func (db *DB) CronCheckIns(ctx context.Context, monitorID int64, since time.Time, limit int) ([]CronCheckIn, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, monitor_id, check_in_id, status, started_at, finished_at, duration_ms, environment
		FROM cron_checkins WHERE monitor_id = $1 AND started_at >= $2 ORDER BY coalesce(finished_at, started_at) DESC, id DESC LIMIT $3`, monitorID, since, limit)
	if err != nil {
		return nil, fmt.Errorf("list check-ins: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[CronCheckIn])
}
