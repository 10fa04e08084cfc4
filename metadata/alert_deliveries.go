package metadata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Alert is one firing of a rule, about an issue or a monitor.
type Alert struct {
	ID        int64
	RuleID    int64
	ProjectID int64
	IssueID   *int64
	MonitorID *int64
	Trigger   string
	Title     string
	Body      string
	Link      string
	FiredAt   time.Time
}

// FireAlert records an alert and queues a delivery per recipient (email
// recipients without an address expand to the organization's members who
// see the project and take alert email), unless the rule already fired for the same issue or
// monitor within its interval: then it answers 0. The rule's row is locked
// meanwhile, so two processes cannot both fire it.
func (db *DB) FireAlert(ctx context.Context, rule AlertRule, a Alert) (int64, error) {
	var id int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var interval int
		err := tx.QueryRow(ctx, `SELECT interval_minutes FROM alert_rules WHERE id = $1 AND enabled FOR UPDATE`, rule.ID).Scan(&interval)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // deleted or turned off meanwhile
		}
		if err != nil {
			return err
		}
		var recent bool
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM alerts WHERE rule_id = $1 AND issue_id IS NOT DISTINCT FROM $2
			AND monitor_id IS NOT DISTINCT FROM $3 AND trigger = ANY($5) AND fired_at > now() - make_interval(mins => $4))`,
			rule.ID, a.IssueID, a.MonitorID, interval, sameFamily(a.Trigger)).Scan(&recent)
		if err != nil || (recent && a.Trigger != "test") {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO alerts (rule_id, project_id, issue_id, monitor_id, trigger, title, body, link)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, rule.ID, a.ProjectID, a.IssueID, a.MonitorID, a.Trigger,
			a.Title, a.Body, a.Link).Scan(&id)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO alert_deliveries (alert_id, recipient_id, kind, target, secret)
			SELECT $1::bigint, r.id, r.kind, r.url, r.secret FROM alert_recipients r WHERE r.rule_id = $2::bigint AND (r.kind <> 'email' OR r.url <> '')
			UNION ALL
			SELECT $1::bigint, r.id, 'email', u.email, '' FROM alert_recipients r
				JOIN projects p ON p.id = $3::bigint
				JOIN organizations o ON o.id = p.organization_id
				JOIN organization_members m ON m.organization_id = p.organization_id
				JOIN users u ON u.id = m.user_id
				LEFT JOIN notification_settings s ON s.user_id = u.id
			WHERE r.rule_id = $2::bigint AND r.kind = 'email' AND r.url = '' AND coalesce(s.alert_emails, true)
				AND `+projectVisibleSQL, id, rule.ID, a.ProjectID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fire alert: %w", err)
	}
	return id, nil
}

// IsMemberEmail reports whether address, compared without case, is the
// account address of a member of the organization that owns projectID:
// alert email goes to no one else, or anyone who can create an account
// could have the server mail whomever they like.
func (db *DB) IsMemberEmail(ctx context.Context, projectID int64, address string) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects p
		JOIN organization_members m ON m.organization_id = p.organization_id
		JOIN users u ON u.id = m.user_id
		WHERE p.id = $1 AND lower(u.email) = lower($2))`, projectID, address).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("check an alert email recipient: %w", err)
	}
	return ok, nil
}

// sameFamily is the triggers that share an interval: a monitor's down and
// up notifications are throttled separately, so a recovery is never
// swallowed by the outage's notification.
func sameFamily(trigger string) []string {
	switch trigger {
	case "monitor_down", "monitor_up", "tls_expiry":
		return []string{trigger}
	}
	return []string{"new_issue", "regression", "frequency", "users", "slow_transaction", "crash_free_rate"}
}

// Delivery is one notification to send.
type Delivery struct {
	ID       int64
	Kind     string
	Target   string
	Secret   string
	Attempts int
	Alert    Alert
}

// ClaimDeliveries takes up to limit due deliveries for lease, so that
// another dispatcher does not send them meanwhile.
func (db *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]Delivery, error) {
	rows, err := db.pool.Query(ctx, `UPDATE alert_deliveries d SET locked_until = now() + make_interval(secs => $2)
		FROM alerts a
		WHERE d.id IN (SELECT id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
				AND (locked_until IS NULL OR locked_until < now()) ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
			AND a.id = d.alert_id
		RETURNING d.id, d.kind, d.target, d.secret, d.attempts, a.id, a.rule_id, a.project_id, a.issue_id, a.monitor_id, a.trigger,
			a.title, a.body, a.link, a.fired_at`, limit, lease.Seconds())
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) {
		var d Delivery
		err := r.Scan(&d.ID, &d.Kind, &d.Target, &d.Secret, &d.Attempts, &d.Alert.ID, &d.Alert.RuleID, &d.Alert.ProjectID,
			&d.Alert.IssueID, &d.Alert.MonitorID, &d.Alert.Trigger, &d.Alert.Title, &d.Alert.Body, &d.Alert.Link, &d.Alert.FiredAt)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return out, nil
}

// FinishDelivery records an attempt: sent when sendErr is nil; else retried
// at retryAt, or failed for good when retryAt is zero.
func (db *DB) FinishDelivery(ctx context.Context, id int64, sendErr error, retryAt time.Time) error {
	var err error
	switch {
	case sendErr == nil:
		_, err = db.pool.Exec(ctx, `UPDATE alert_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = now(),
			last_error = '', locked_until = NULL WHERE id = $1`, id)
	case retryAt.IsZero():
		_, err = db.pool.Exec(ctx, `UPDATE alert_deliveries SET status = 'failed', attempts = attempts + 1, last_error = $2,
			locked_until = NULL WHERE id = $1`, id, truncate(sendErr.Error(), 1000))
	default:
		_, err = db.pool.Exec(ctx, `UPDATE alert_deliveries SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3,
			locked_until = NULL WHERE id = $1`, id, truncate(sendErr.Error(), 1000), retryAt)
	}
	if err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// AlertRecord is a fired alert with its deliveries' outcomes.
type AlertRecord struct {
	Alert
	RuleName   string
	Deliveries []DeliveryOutcome
}

// DeliveryOutcome is where a notification went and how that went.
type DeliveryOutcome struct {
	Kind      string
	Target    string
	Status    string
	Attempts  int
	LastError string
	SentAt    *time.Time
}

// AlertHistory lists a project's latest alerts, newest first, with their
// deliveries.
func (db *DB) AlertHistory(ctx context.Context, projectID int64, limit, offset int) ([]AlertRecord, error) {
	rows, err := db.pool.Query(ctx, `SELECT a.id, a.rule_id, a.project_id, a.issue_id, a.monitor_id, a.trigger, a.title, a.body,
			a.link, a.fired_at, r.name
		FROM alerts a JOIN alert_rules r ON r.id = a.rule_id WHERE a.project_id = $1 ORDER BY a.id DESC LIMIT $2 OFFSET $3`,
		projectID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AlertRecord, error) {
		var a AlertRecord
		err := r.Scan(&a.ID, &a.RuleID, &a.ProjectID, &a.IssueID, &a.MonitorID, &a.Trigger, &a.Title, &a.Body, &a.Link, &a.FiredAt, &a.RuleName)
		return a, err
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	index := map[int64]int{}
	for i, a := range out {
		ids[i], index[a.ID] = a.ID, i
	}
	drows, err := db.pool.Query(ctx, `SELECT alert_id, kind, target, status, attempts, last_error, sent_at FROM alert_deliveries
		WHERE alert_id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var alertID int64
		var d DeliveryOutcome
		if err := drows.Scan(&alertID, &d.Kind, &d.Target, &d.Status, &d.Attempts, &d.LastError, &d.SentAt); err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out[index[alertID]].Deliveries = append(out[index[alertID]].Deliveries, d)
	}
	return out, drows.Err()
}

// AlertEmails reports whether a user takes alert email.
func (db *DB) AlertEmails(ctx context.Context, userID int64) (bool, error) {
	on := true
	err := db.pool.QueryRow(ctx, `SELECT alert_emails FROM notification_settings WHERE user_id = $1`, userID).Scan(&on)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("read notification settings: %w", err)
	}
	return on, nil
}

// SetAlertEmails sets whether a user takes alert email.
func (db *DB) SetAlertEmails(ctx context.Context, userID int64, on bool) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO notification_settings (user_id, alert_emails) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET alert_emails = $2`, userID, on)
	if err != nil {
		return fmt.Errorf("save notification settings: %w", err)
	}
	return nil
}
