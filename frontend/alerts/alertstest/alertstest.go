// Package alertstest is an in-memory stand-in for the stores behind the
// alerts service, for tests that need no database.
package alertstest

import (
	"context"
	"slices"

	"github.com/faultline/faultline/metadata"
)

// Store holds alert rules of any project, the fired alerts and the
// organizations' member addresses. A method named in Fail fails with that
// error; the others answer from the fields and record what changed.
type Store struct {
	Rules   []metadata.AlertRule
	History []metadata.AlertRecord
	Members []string       // member account addresses
	Muted   map[int64]bool // users who do not take members' alert email
	Fail    map[string]error

	Saved   []metadata.AlertRule
	Deleted []int64
	Fired   []metadata.Alert
	Lookups []string       // addresses IsMemberEmail was asked about
	Set     map[int64]bool // AlertEmails set, by user
}

// Changed reports whether the store was asked to change anything.
func (s *Store) Changed() bool { return len(s.Saved)+len(s.Deleted)+len(s.Fired)+len(s.Set) != 0 }

// AlertRules answers the project's rules.
func (s *Store) AlertRules(_ context.Context, projectID int64) ([]metadata.AlertRule, error) {
	if err := s.Fail["AlertRules"]; err != nil {
		return nil, err
	}
	var out []metadata.AlertRule
	for _, r := range s.Rules {
		if r.ProjectID == projectID {
			out = append(out, r)
		}
	}
	return out, nil
}

// SaveAlertRule records a new rule with an id, or a project's existing one.
func (s *Store) SaveAlertRule(_ context.Context, r metadata.AlertRule) (metadata.AlertRule, error) {
	if err := s.Fail["SaveAlertRule"]; err != nil {
		return r, err
	}
	if r.ID == 0 {
		r.ID = int64(100 + len(s.Saved))
	} else if !slices.ContainsFunc(s.Rules, func(o metadata.AlertRule) bool { return o.ID == r.ID && o.ProjectID == r.ProjectID }) {
		return r, metadata.ErrNotFound
	}
	s.Saved = append(s.Saved, r)
	return r, nil
}

// DeleteAlertRule records the id of a project's existing rule.
func (s *Store) DeleteAlertRule(_ context.Context, projectID, id int64) error {
	if err := s.Fail["DeleteAlertRule"]; err != nil {
		return err
	}
	if !slices.ContainsFunc(s.Rules, func(o metadata.AlertRule) bool { return o.ID == id && o.ProjectID == projectID }) {
		return metadata.ErrNotFound
	}
	s.Deleted = append(s.Deleted, id)
	return nil
}

// FireAlert records the alert of an enabled rule and answers its id; a
// disabled rule fires nothing and answers 0, as PostgreSQL does.
func (s *Store) FireAlert(_ context.Context, rule metadata.AlertRule, a metadata.Alert) (int64, error) {
	if err := s.Fail["FireAlert"]; err != nil {
		return 0, err
	}
	if !rule.Enabled {
		return 0, nil
	}
	s.Fired = append(s.Fired, a)
	return int64(len(s.Fired)), nil
}

// AlertHistory pages through History.
func (s *Store) AlertHistory(_ context.Context, _ int64, limit, offset int) ([]metadata.AlertRecord, error) {
	if err := s.Fail["AlertHistory"]; err != nil {
		return nil, err
	}
	all := s.History[min(offset, len(s.History)):]
	return all[:min(limit, len(all))], nil
}

// IsMemberEmail looks the address up in Members.
func (s *Store) IsMemberEmail(_ context.Context, _ int64, address string) (bool, error) {
	s.Lookups = append(s.Lookups, address)
	if err := s.Fail["IsMemberEmail"]; err != nil {
		return false, err
	}
	return slices.Contains(s.Members, address), nil
}

// AlertEmails answers whether the user is not Muted.
func (s *Store) AlertEmails(_ context.Context, userID int64) (bool, error) {
	if err := s.Fail["AlertEmails"]; err != nil {
		return false, err
	}
	return !s.Muted[userID], nil
}

// SetAlertEmails records the setting and mutes or unmutes the user.
func (s *Store) SetAlertEmails(_ context.Context, userID int64, on bool) error {
	if err := s.Fail["SetAlertEmails"]; err != nil {
		return err
	}
	if s.Set == nil {
		s.Set = map[int64]bool{}
	}
	if s.Muted == nil {
		s.Muted = map[int64]bool{}
	}
	s.Set[userID], s.Muted[userID] = on, !on
	return nil
}
