package monitors

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// Settings stores monitors and their state; *metadata.DB is one.
type Settings interface {
	ListMonitors(ctx context.Context, orgID int64) ([]metadata.Monitor, error)
	GetMonitor(ctx context.Context, orgID, id int64) (metadata.Monitor, error)
	MonitorBySlug(ctx context.Context, orgID int64, slug string) (metadata.Monitor, error)
	MonitorStateChanges(ctx context.Context, monitorID int64, limit int) ([]metadata.MonitorStateChange, error)
	CreateMonitor(ctx context.Context, m metadata.Monitor) (metadata.Monitor, error)
	UpdateMonitor(ctx context.Context, m metadata.Monitor) (metadata.Monitor, error)
	DeleteMonitor(ctx context.Context, orgID, id int64) error
	CronCheckIns(ctx context.Context, monitorID int64, since time.Time, limit int) ([]metadata.CronCheckIn, error)
	RecordHeartbeat(ctx context.Context, endpointID string) (metadata.Monitor, error)
}

// Checks reads monitors' check results; *analytics.Store is one.
type Checks interface {
	RecentChecks(ctx context.Context, monitorID uint64, limit, offset int) ([]analytics.MonitorCheck, error)
	MonitorUptime(ctx context.Context, monitorIDs []uint64, since time.Time) (map[uint64]analytics.UptimeStats, error)
	MonitorStrips(ctx context.Context, monitorIDs []uint64, since time.Time, step time.Duration) (map[uint64][]analytics.UptimeBucket, error)
}

// Service answers the monitor views and changes.
type Service struct {
	settings Settings
	checks   Checks
}

// New returns a Service over the given stores.
func New(settings Settings, checks Checks) *Service {
	return &Service{settings: settings, checks: checks}
}

const (
	// day is the window of the list's and detail's bars and uptime, in
	// hourly buckets.
	day = 24 * time.Hour
	// recentChecks and recentChanges bound a monitor's detail.
	recentChecks  = 60
	recentChanges = 50
)

// Overview is a monitor with its last day: hourly bars, and its uptime
// (nil when it has no checks in the day).
type Overview struct {
	metadata.Monitor
	Strip  []analytics.UptimeBucket
	Uptime *analytics.UptimeStats
}

// List answers at most limit of an organization's monitors from offset,
// each with its last day.
func (s *Service) List(ctx context.Context, orgID int64, limit, offset int, now time.Time) ([]Overview, error) {
	return s.ListWhere(ctx, orgID, nil, limit, offset, now)
}

// ListWhere is List over the monitors keep keeps (all when keep is nil),
// filtered before the page is cut.
func (s *Service) ListWhere(ctx context.Context, orgID int64, keep func(metadata.Monitor) bool, limit, offset int, now time.Time) ([]Overview, error) {
	all, err := s.settings.ListMonitors(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if keep != nil {
		kept := all[:0:0]
		for _, mon := range all {
			if keep(mon) {
				kept = append(kept, mon)
			}
		}
		all = kept
	}
	page := all[min(offset, len(all)):min(len(all), offset+limit)]
	ids := make([]uint64, len(page))
	for i, mon := range page {
		ids[i] = uint64(mon.ID)
	}
	since := now.Add(-day)
	strips, err := s.checks.MonitorStrips(ctx, ids, since.Truncate(time.Hour), time.Hour)
	if err != nil {
		return nil, err
	}
	uptime, err := s.checks.MonitorUptime(ctx, ids, since)
	if err != nil {
		return nil, err
	}
	out := make([]Overview, len(page))
	for i, mon := range page {
		out[i] = Overview{Monitor: mon, Strip: strips[uint64(mon.ID)]}
		if u, ok := uptime[uint64(mon.ID)]; ok {
			out[i].Uptime = &u
		}
	}
	return out, nil
}

// Find returns the organization's monitor named by ref: its id, or a cron
// monitor's slug as Sentry's routes use.
func (s *Service) Find(ctx context.Context, orgID int64, ref string) (metadata.Monitor, error) {
	var mon metadata.Monitor
	var err error
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		mon, err = s.settings.GetMonitor(ctx, orgID, id)
	} else {
		mon, err = s.settings.MonitorBySlug(ctx, orgID, ref)
	}
	if errors.Is(err, metadata.ErrNotFound) {
		return mon, &NotFoundError{Msg: "monitor not found"}
	}
	return mon, err
}

// Detail is a monitor with its latest checks, its last day and its recent
// state changes.
type Detail struct {
	Overview
	Checks  []analytics.MonitorCheck // never nil
	Changes []metadata.MonitorStateChange
}

// Detail answers one monitor in full.
func (s *Service) Detail(ctx context.Context, mon metadata.Monitor, now time.Time) (Detail, error) {
	id := uint64(mon.ID)
	checks, err := s.checks.RecentChecks(ctx, id, recentChecks, 0)
	if err != nil {
		return Detail{}, err
	}
	if checks == nil {
		checks = []analytics.MonitorCheck{}
	}
	since := now.Add(-day)
	strips, err := s.checks.MonitorStrips(ctx, []uint64{id}, since.Truncate(time.Hour), time.Hour)
	if err != nil {
		return Detail{}, err
	}
	uptime, err := s.checks.MonitorUptime(ctx, []uint64{id}, since)
	if err != nil {
		return Detail{}, err
	}
	changes, err := s.settings.MonitorStateChanges(ctx, mon.ID, recentChanges)
	if err != nil {
		return Detail{}, err
	}
	u := uptime[id]
	return Detail{Overview: Overview{Monitor: mon, Strip: strips[id], Uptime: &u}, Checks: checks, Changes: changes}, nil
}

// Stats is a monitor's uptime over a period, with a chart's buckets.
type Stats struct {
	analytics.UptimeStats
	Buckets []analytics.UptimeBucket
}

// Stats answers a monitor's uptime and response times over period, in
// buckets of step. A monitor not checked in the period is 100 % up.
func (s *Service) Stats(ctx context.Context, monitorID int64, period, step time.Duration, now time.Time) (Stats, error) {
	id := uint64(monitorID)
	since := now.Add(-period)
	uptime, err := s.checks.MonitorUptime(ctx, []uint64{id}, since)
	if err != nil {
		return Stats{}, err
	}
	strips, err := s.checks.MonitorStrips(ctx, []uint64{id}, since.Truncate(step), step)
	if err != nil {
		return Stats{}, err
	}
	out := Stats{UptimeStats: uptime[id], Buckets: strips[id]}
	if out.Checks == 0 {
		out.UptimePct = 100
	}
	return out, nil
}

// RecentChecks pages through a monitor's checks, newest first.
func (s *Service) RecentChecks(ctx context.Context, monitorID int64, limit, offset int) ([]analytics.MonitorCheck, error) {
	return s.checks.RecentChecks(ctx, uint64(monitorID), limit, offset)
}

// CheckIns answers a cron monitor's runs since a time, newest first.
func (s *Service) CheckIns(ctx context.Context, monitorID int64, since time.Time, limit int) ([]metadata.CronCheckIn, error) {
	return s.settings.CronCheckIns(ctx, monitorID, since, limit)
}

// Create stores a new monitor.
func (s *Service) Create(ctx context.Context, mon metadata.Monitor) (metadata.Monitor, error) {
	return s.settings.CreateMonitor(ctx, mon)
}

// Update stores a monitor's new settings.
func (s *Service) Update(ctx context.Context, mon metadata.Monitor) (metadata.Monitor, error) {
	updated, err := s.settings.UpdateMonitor(ctx, mon)
	if errors.Is(err, metadata.ErrNotFound) {
		return updated, &NotFoundError{Msg: "monitor not found"}
	}
	return updated, err
}

// Delete deletes an organization's monitor.
func (s *Service) Delete(ctx context.Context, orgID, monitorID int64) error {
	return s.settings.DeleteMonitor(ctx, orgID, monitorID)
}

// Heartbeat records a heartbeat monitor's beat by its secret endpoint id.
func (s *Service) Heartbeat(ctx context.Context, endpointID string) error {
	_, err := s.settings.RecordHeartbeat(ctx, endpointID)
	if errors.Is(err, metadata.ErrNotFound) {
		return &NotFoundError{Msg: "no heartbeat monitor has this endpoint"}
	}
	return err
}
