package metadata

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// AlertRule says when a project notifies whom.
type AlertRule struct {
	ID            int64
	ProjectID     int64
	Name          string
	Triggers      []string // new_issue, regression, frequency, users, monitor_down, monitor_up, tls_expiry, slow_transaction, crash_free_rate
	TimespanMin   int      // the window of frequency, users, slow_transaction and crash_free_rate
	Quantity      int      // events in the window (frequency)
	UsersQuantity int      // distinct users in the window (users)
	Transaction   string   // slow_transaction: the transaction name
	P95MS         float64  // slow_transaction: the p95 it must stay under
	// CrashFreeBelow (crash_free_rate) is the percentage of crash-free
	// sessions, over the window, under which the rule fires.
	CrashFreeBelow float64
	Level          string // filters: empty matches all
	Environment    string
	Release        string
	Tags           map[string]string
	IntervalMin    int // at most one notification per rule and issue (or monitor) per interval
	Enabled        bool
	CreatedAt      time.Time
	Recipients     []AlertRecipient
}

// AlertRecipient is where a rule's notifications go.
type AlertRecipient struct {
	ID     int64
	Kind   string // email, webhook, slack, discord, teams
	URL    string // an address for email (empty: the organization's members), else the endpoint
	Secret string // signs generic webhooks
}

// Has reports whether the rule fires on trigger.
func (r AlertRule) Has(trigger string) bool { return slices.Contains(r.Triggers, trigger) }

const alertRuleColumns = `id, project_id, name, triggers, timespan_minutes, quantity, users_quantity, transaction, p95_ms,
	crash_free_below, filter_level, filter_environment, filter_release, filter_tags, interval_minutes, enabled, created_at`

func scanAlertRule(r pgx.Row) (AlertRule, error) {
	var a AlertRule
	err := r.Scan(&a.ID, &a.ProjectID, &a.Name, &a.Triggers, &a.TimespanMin, &a.Quantity, &a.UsersQuantity, &a.Transaction,
		&a.P95MS, &a.CrashFreeBelow, &a.Level, &a.Environment, &a.Release, &a.Tags, &a.IntervalMin, &a.Enabled, &a.CreatedAt)
	return a, err
}

// SaveAlertRule creates a rule (ID 0) or replaces one, with its recipients.
// A rule that fails Validate is refused with its InvalidError.
func (db *DB) SaveAlertRule(ctx context.Context, r AlertRule) (AlertRule, error) {
	if err := r.Validate(); err != nil {
		return AlertRule{}, err
	}
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	if r.Triggers == nil {
		r.Triggers = []string{}
	}
	var out AlertRule
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var row pgx.Row
		args := []any{r.ProjectID, r.Name, r.Triggers, r.TimespanMin, r.Quantity, r.UsersQuantity, r.Transaction, r.P95MS,
			r.Level, r.Environment, r.Release, r.Tags, r.IntervalMin, r.Enabled, r.CrashFreeBelow}
		if r.ID == 0 {
			row = tx.QueryRow(ctx, `INSERT INTO alert_rules (project_id, name, triggers, timespan_minutes, quantity, users_quantity,
				transaction, p95_ms, filter_level, filter_environment, filter_release, filter_tags, interval_minutes, enabled, crash_free_below)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING `+alertRuleColumns, args...)
		} else {
			row = tx.QueryRow(ctx, `UPDATE alert_rules SET name = $2, triggers = $3, timespan_minutes = $4, quantity = $5,
				users_quantity = $6, transaction = $7, p95_ms = $8, filter_level = $9, filter_environment = $10, filter_release = $11,
				filter_tags = $12, interval_minutes = $13, enabled = $14, crash_free_below = $15
				WHERE project_id = $1 AND id = $16 RETURNING `+alertRuleColumns, append(args, r.ID)...)
		}
		var err error
		if out, err = scanAlertRule(row); err != nil {
			return notFound(err)
		}
		// Recipients are replaced; ones that stay keep their id (and so their
		// delivery history).
		keep := []int64{}
		for _, rc := range r.Recipients {
			var id int64
			err := tx.QueryRow(ctx, `UPDATE alert_recipients SET url = $4, secret = $5 WHERE rule_id = $1 AND kind = $2 AND url = $3
				AND id <> ALL($6) RETURNING id`, out.ID, rc.Kind, rc.URL, rc.URL, rc.Secret, keep).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				err = tx.QueryRow(ctx, `INSERT INTO alert_recipients (rule_id, kind, url, secret) VALUES ($1, $2, $3, $4) RETURNING id`,
					out.ID, rc.Kind, rc.URL, rc.Secret).Scan(&id)
			}
			if err != nil {
				return fmt.Errorf("save alert recipient: %w", err)
			}
			keep = append(keep, id)
			rc.ID = id
			out.Recipients = append(out.Recipients, rc)
		}
		_, err = tx.Exec(ctx, `DELETE FROM alert_recipients WHERE rule_id = $1 AND id <> ALL($2)`, out.ID, keep)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return out, ErrNotFound
	}
	if err != nil {
		return out, fmt.Errorf("save alert rule: %w", err)
	}
	return out, nil
}

// AlertRules lists a project's rules with their recipients.
func (db *DB) AlertRules(ctx context.Context, projectID int64) ([]AlertRule, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+alertRuleColumns+` FROM alert_rules WHERE project_id = $1 ORDER BY id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("list alert rules: %w", err)
	}
	rules, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AlertRule, error) { return scanAlertRule(r) })
	if err != nil {
		return nil, fmt.Errorf("list alert rules: %w", err)
	}
	if len(rules) == 0 {
		return rules, nil
	}
	ids := make([]int64, len(rules))
	byID := map[int64]*AlertRule{}
	for i := range rules {
		ids[i] = rules[i].ID
		byID[rules[i].ID] = &rules[i]
	}
	rrows, err := db.pool.Query(ctx, `SELECT rule_id, id, kind, url, secret FROM alert_recipients WHERE rule_id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return nil, fmt.Errorf("list alert recipients: %w", err)
	}
	defer rrows.Close()
	for rrows.Next() {
		var ruleID int64
		var rc AlertRecipient
		if err := rrows.Scan(&ruleID, &rc.ID, &rc.Kind, &rc.URL, &rc.Secret); err != nil {
			return nil, fmt.Errorf("list alert recipients: %w", err)
		}
		byID[ruleID].Recipients = append(byID[ruleID].Recipients, rc)
	}
	return rules, rrows.Err()
}

// DeleteAlertRule deletes a project's rule.
func (db *DB) DeleteAlertRule(ctx context.Context, projectID, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM alert_rules WHERE project_id = $1 AND id = $2`, projectID, id)
	if err != nil {
		return fmt.Errorf("delete alert rule: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// ProjectSlugs returns a project's organization and project slugs, for
// links in notifications.
func (db *DB) ProjectSlugs(ctx context.Context, projectID int64) (org, project string, err error) {
	err = db.pool.QueryRow(ctx, `SELECT o.slug, p.slug FROM projects p JOIN organizations o ON o.id = p.organization_id WHERE p.id = $1`,
		projectID).Scan(&org, &project)
	if err != nil {
		return "", "", fmt.Errorf("project slugs: %w", notFound(err))
	}
	return org, project, nil
}

// SlowTransactionRules lists the enabled rules, of every project, that
// watch a transaction's p95.
func (db *DB) SlowTransactionRules(ctx context.Context) ([]AlertRule, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+alertRuleColumns+` FROM alert_rules
		WHERE enabled AND 'slow_transaction' = ANY(triggers) ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list slow-transaction rules: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AlertRule, error) { return scanAlertRule(r) })
	if err != nil {
		return nil, fmt.Errorf("list slow-transaction rules: %w", err)
	}
	return out, nil
}

// CrashFreeRules lists the enabled rules, of every project, that watch
// the share of crash-free sessions.
func (db *DB) CrashFreeRules(ctx context.Context) ([]AlertRule, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+alertRuleColumns+` FROM alert_rules
		WHERE enabled AND 'crash_free_rate' = ANY(triggers) ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list crash-free rules: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AlertRule, error) { return scanAlertRule(r) })
	if err != nil {
		return nil, fmt.Errorf("list crash-free rules: %w", err)
	}
	return out, nil
}

// ProjectID finds a project by its organization's slug and its own.
func (db *DB) ProjectID(ctx context.Context, orgSlug, projectSlug string) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT p.id FROM projects p JOIN organizations o ON o.id = p.organization_id
		WHERE o.slug = $1 AND p.slug = $2`, orgSlug, projectSlug).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("project %s/%s: %w", orgSlug, projectSlug, notFound(err))
	}
	return id, nil
}
