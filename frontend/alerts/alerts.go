package alerts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"

	"github.com/faultline/faultline/metadata"
)

// Rules stores alert rules and what they fired; *metadata.DB is one.
type Rules interface {
	AlertRules(ctx context.Context, projectID int64) ([]metadata.AlertRule, error)
	SaveAlertRule(ctx context.Context, r metadata.AlertRule) (metadata.AlertRule, error)
	DeleteAlertRule(ctx context.Context, projectID, id int64) error
	FireAlert(ctx context.Context, rule metadata.AlertRule, a metadata.Alert) (int64, error)
	AlertHistory(ctx context.Context, projectID int64, limit, offset int) ([]metadata.AlertRecord, error)
}

// Members answers who receives alert email: whether an address is a
// project's organization member's account address, and whether a user
// takes the alert email sent to all members; *metadata.DB is one.
type Members interface {
	IsMemberEmail(ctx context.Context, projectID int64, address string) (bool, error)
	AlertEmails(ctx context.Context, userID int64) (bool, error)
	SetAlertEmails(ctx context.Context, userID int64, on bool) error
}

// HostCheck refuses a host the outbound deliveries would refuse (private
// addresses); nil refuses none.
type HostCheck func(host string) error

// Service answers the alert rule views and changes.
type Service struct {
	rules     Rules
	members   Members
	checkHost HostCheck
}

// New returns a Service over the given stores.
func New(rules Rules, members Members, checkHost HostCheck) *Service {
	if checkHost == nil {
		checkHost = func(string) error { return nil }
	}
	return &Service{rules: rules, members: members, checkHost: checkHost}
}

// List answers a project's rules.
func (s *Service) List(ctx context.Context, projectID int64) ([]metadata.AlertRule, error) {
	return s.rules.AlertRules(ctx, projectID)
}

// Save stores a new rule (ID 0) or replaces one of its project's, once
// its fields and recipients pass.
func (s *Service) Save(ctx context.Context, r metadata.AlertRule) (metadata.AlertRule, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	if err := s.checkRecipients(ctx, r); err != nil {
		return r, err
	}
	saved, err := s.rules.SaveAlertRule(ctx, r)
	if errors.Is(err, metadata.ErrNotFound) {
		return saved, errNoRule
	}
	return saved, err
}

// checkRecipients refuses recipients the server may not reach and email
// addresses that are not the organization's members' (alert email goes
// only to members' account addresses). It runs after Validate, which
// checked that every target parses.
func (s *Service) checkRecipients(ctx context.Context, r metadata.AlertRule) error {
	for i, rc := range r.Recipients {
		if rc.Kind != "email" {
			u, err := url.Parse(rc.URL)
			if err != nil {
				return &InvalidError{Msg: fmt.Sprintf("recipient %d (%s): url: %v", i+1, rc.Kind, err)}
			}
			if err := s.checkHost(u.Hostname()); err != nil {
				return &InvalidError{Msg: fmt.Sprintf("recipient %d (%s): url: %v", i+1, rc.Kind, err)}
			}
			continue
		}
		if rc.URL == "" {
			continue
		}
		addr, err := mail.ParseAddress(rc.URL)
		if err != nil {
			return &InvalidError{Msg: fmt.Sprintf("recipient %d (email): %v", i+1, err)}
		}
		member, err := s.members.IsMemberEmail(ctx, r.ProjectID, addr.Address)
		if err != nil {
			return fmt.Errorf("recipient %d: %w", i+1, err)
		}
		if !member {
			return &InvalidError{Msg: fmt.Sprintf("recipient %d (email): %s is not a member of this organization; "+
				"alert email goes only to members' account addresses (an empty url mails every member)", i+1, addr.Address)}
		}
	}
	return nil
}

// Delete deletes a project's rule.
func (s *Service) Delete(ctx context.Context, projectID, id int64) error {
	err := s.rules.DeleteAlertRule(ctx, projectID, id)
	if errors.Is(err, metadata.ErrNotFound) {
		return errNoRule
	}
	return err
}

// Test queues a test notification to every recipient of a project's rule;
// note builds it from the rule. It answers the fired alert's id, or 0 when
// the rule is turned off and sends nothing.
func (s *Service) Test(ctx context.Context, projectID, id int64, note func(metadata.AlertRule) metadata.Alert) (int64, error) {
	rules, err := s.rules.AlertRules(ctx, projectID)
	if err != nil {
		return 0, err
	}
	for _, r := range rules {
		if r.ID == id {
			return s.rules.FireAlert(ctx, r, note(r))
		}
	}
	return 0, errNoRule
}

// History pages through a project's fired alerts with each delivery's
// outcome, newest first.
func (s *Service) History(ctx context.Context, projectID int64, limit, offset int) ([]metadata.AlertRecord, error) {
	return s.rules.AlertHistory(ctx, projectID, limit, offset)
}

// AlertEmails tells whether the user takes the alert email sent to every
// member of their organizations.
func (s *Service) AlertEmails(ctx context.Context, userID int64) (bool, error) {
	return s.members.AlertEmails(ctx, userID)
}

// SetAlertEmails sets whether the user takes the alert email sent to
// every member of their organizations.
func (s *Service) SetAlertEmails(ctx context.Context, userID int64, on bool) error {
	return s.members.SetAlertEmails(ctx, userID, on)
}
