// Package monitorstest is an in-memory stand-in for the stores behind the
// monitors service, for tests that need no database.
package monitorstest

import (
	"context"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// Store holds monitors of any organization, their checks and state
// changes. A method named in Fail fails with that error.
type Store struct {
	Monitors  []metadata.Monitor
	Checks    map[int64][]analytics.MonitorCheck
	Uptime    map[int64]analytics.UptimeStats
	Strips    map[int64][]analytics.UptimeBucket
	Changes   []metadata.MonitorStateChange
	CheckIns  []metadata.CronCheckIn
	Endpoints map[string]int64 // heartbeat endpoint id → monitor id
	Fail      map[string]error

	Saved     []metadata.Monitor
	Deleted   []int64
	Beats     []string
	StripSpan []time.Time // since of each MonitorStrips call
	Steps     []time.Duration
}

func (s *Store) find(orgID int64, match func(metadata.Monitor) bool) (metadata.Monitor, error) {
	for _, m := range s.Monitors {
		if m.OrgID == orgID && match(m) {
			return m, nil
		}
	}
	return metadata.Monitor{}, metadata.ErrNotFound
}

// ListMonitors answers the organization's monitors.
func (s *Store) ListMonitors(_ context.Context, orgID int64) ([]metadata.Monitor, error) {
	if err := s.Fail["ListMonitors"]; err != nil {
		return nil, err
	}
	var out []metadata.Monitor
	for _, m := range s.Monitors {
		if m.OrgID == orgID {
			out = append(out, m)
		}
	}
	return out, nil
}

// GetMonitor finds a monitor by id.
func (s *Store) GetMonitor(_ context.Context, orgID, id int64) (metadata.Monitor, error) {
	if err := s.Fail["GetMonitor"]; err != nil {
		return metadata.Monitor{}, err
	}
	return s.find(orgID, func(m metadata.Monitor) bool { return m.ID == id })
}

// MonitorBySlug finds a monitor by slug.
func (s *Store) MonitorBySlug(_ context.Context, orgID int64, slug string) (metadata.Monitor, error) {
	if err := s.Fail["MonitorBySlug"]; err != nil {
		return metadata.Monitor{}, err
	}
	return s.find(orgID, func(m metadata.Monitor) bool { return m.Slug == slug })
}

// MonitorStateChanges answers Changes.
func (s *Store) MonitorStateChanges(context.Context, int64, int) ([]metadata.MonitorStateChange, error) {
	return s.Changes, s.Fail["MonitorStateChanges"]
}

// CreateMonitor records and returns the monitor with an id.
func (s *Store) CreateMonitor(_ context.Context, m metadata.Monitor) (metadata.Monitor, error) {
	if err := s.Fail["CreateMonitor"]; err != nil {
		return m, err
	}
	m.ID = int64(100 + len(s.Saved))
	s.Saved = append(s.Saved, m)
	return m, nil
}

// UpdateMonitor records the monitor if it exists.
func (s *Store) UpdateMonitor(_ context.Context, m metadata.Monitor) (metadata.Monitor, error) {
	if err := s.Fail["UpdateMonitor"]; err != nil {
		return m, err
	}
	if _, err := s.find(m.OrgID, func(o metadata.Monitor) bool { return o.ID == m.ID }); err != nil {
		return m, err
	}
	s.Saved = append(s.Saved, m)
	return m, nil
}

// DeleteMonitor records the id.
func (s *Store) DeleteMonitor(_ context.Context, _, id int64) error {
	if err := s.Fail["DeleteMonitor"]; err != nil {
		return err
	}
	s.Deleted = append(s.Deleted, id)
	return nil
}

// CronCheckIns answers CheckIns.
func (s *Store) CronCheckIns(context.Context, int64, time.Time, int) ([]metadata.CronCheckIn, error) {
	return s.CheckIns, s.Fail["CronCheckIns"]
}

// RecordHeartbeat records a beat of a known endpoint.
func (s *Store) RecordHeartbeat(_ context.Context, endpointID string) (metadata.Monitor, error) {
	if err := s.Fail["RecordHeartbeat"]; err != nil {
		return metadata.Monitor{}, err
	}
	id, ok := s.Endpoints[endpointID]
	if !ok {
		return metadata.Monitor{}, metadata.ErrNotFound
	}
	s.Beats = append(s.Beats, endpointID)
	return metadata.Monitor{ID: id}, nil
}

// RecentChecks pages through Checks.
func (s *Store) RecentChecks(_ context.Context, monitorID uint64, limit, offset int) ([]analytics.MonitorCheck, error) {
	if err := s.Fail["RecentChecks"]; err != nil {
		return nil, err
	}
	all := s.Checks[int64(monitorID)]
	all = all[min(offset, len(all)):]
	return all[:min(limit, len(all))], nil
}

// MonitorUptime answers Uptime for the monitors that have some.
func (s *Store) MonitorUptime(_ context.Context, ids []uint64, _ time.Time) (map[uint64]analytics.UptimeStats, error) {
	if err := s.Fail["MonitorUptime"]; err != nil {
		return nil, err
	}
	out := map[uint64]analytics.UptimeStats{}
	for _, id := range ids {
		if u, ok := s.Uptime[int64(id)]; ok {
			out[id] = u
		}
	}
	return out, nil
}

// MonitorStrips answers Strips and records the span asked for.
func (s *Store) MonitorStrips(_ context.Context, ids []uint64, since time.Time, step time.Duration) (map[uint64][]analytics.UptimeBucket, error) {
	s.StripSpan, s.Steps = append(s.StripSpan, since), append(s.Steps, step)
	if err := s.Fail["MonitorStrips"]; err != nil {
		return nil, err
	}
	out := map[uint64][]analytics.UptimeBucket{}
	for _, id := range ids {
		out[id] = s.Strips[int64(id)]
	}
	return out, nil
}
