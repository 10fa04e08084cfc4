package metadata

import (
	"net/mail"
	"net/url"
	"slices"
	"strings"
)

// MaxAlertQuantity bounds a rule's Quantity and UsersQuantity (PostgreSQL
// integers).
const MaxAlertQuantity = 1_000_000_000

// AlertTriggers are the triggers a rule may name.
var AlertTriggers = []string{"new_issue", "regression", "frequency", "users", "monitor_down", "monitor_up", "tls_expiry", "slow_transaction", "crash_free_rate"}

// AlertRecipientKinds are where a rule's notifications may go.
var AlertRecipientKinds = []string{"email", "webhook", "slack", "discord", "teams"}

// Validate checks a rule before it is stored, whoever wrote it (the API or
// a provisioning file). It answers an InvalidError naming the field as the
// API and provisioning files name it, and what the field must hold.
// Whether a recipient's host may be reached and whether an email recipient
// is a member are checked by the caller, which knows the server's policy
// and the organization.
func (r AlertRule) Validate() error {
	switch {
	case strings.TrimSpace(r.Name) == "":
		return invalid("name: a rule needs a name")
	case len(r.Name) > 200:
		return invalid("name: at most 200 characters")
	case r.TimespanMin < 1 || r.TimespanMin > 1440:
		return invalid("timespanMinutes: from 1 to 1440, not %d", r.TimespanMin)
	case r.Quantity < 1 || r.Quantity > MaxAlertQuantity:
		return invalid("quantity: from 1 to %d, not %d", MaxAlertQuantity, r.Quantity)
	case r.UsersQuantity < 1 || r.UsersQuantity > MaxAlertQuantity:
		return invalid("usersQuantity: from 1 to %d, not %d", MaxAlertQuantity, r.UsersQuantity)
	case r.IntervalMin < 0 || r.IntervalMin > 10080:
		return invalid("intervalMinutes: from 0 to 10080 (a week), not %d", r.IntervalMin)
	case len(r.Triggers) == 0:
		return invalid("triggers: name at least one of %s", strings.Join(AlertTriggers, ", "))
	}
	for _, t := range r.Triggers {
		if !slices.Contains(AlertTriggers, t) {
			return invalid("triggers: %q is not one of %s", t, strings.Join(AlertTriggers, ", "))
		}
	}
	if r.Has("slow_transaction") && (strings.TrimSpace(r.Transaction) == "" || r.P95MS <= 0) {
		return invalid("slow_transaction needs transaction (a name) and p95Threshold (milliseconds above 0)")
	}
	if r.Has("crash_free_rate") && (r.CrashFreeBelow <= 0 || r.CrashFreeBelow > 100) {
		return invalid("crash_free_rate needs crashFreeThreshold: the percentage of crash-free sessions (above 0, at most 100) under which it fires")
	}
	for i, rc := range r.Recipients {
		if err := rc.validate(); err != nil {
			return invalid("recipient %d (%s): %v", i+1, rc.Kind, err)
		}
	}
	return nil
}

func (rc AlertRecipient) validate() error {
	switch rc.Kind {
	case "email":
		if rc.URL == "" {
			return nil // the organization's members
		}
		if _, err := mail.ParseAddress(rc.URL); err != nil {
			return invalid("url: an email address, or empty for the organization's members")
		}
	case "webhook", "slack", "discord", "teams":
		u, err := url.Parse(rc.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return invalid("url: an http(s) URL")
		}
	default:
		return invalid("%q is not a recipient type: one of %s", rc.Kind, strings.Join(AlertRecipientKinds, ", "))
	}
	return nil
}
