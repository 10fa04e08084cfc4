package metadata

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// AuditEvents are the audit log's event names (Sentry's, where Sentry has
// one), in the order the dashboard offers them as filters.
var AuditEvents = []string{
	"member.invite", "member.accept", "member.edit", "member.remove", "member.login", "member.login-failed",
	"team.create", "team.edit", "team.remove",
	"project.create", "project.edit", "project.remove",
	"projectkey.create", "projectkey.edit", "projectkey.remove",
	"apitoken.create", "apitoken.remove",
	"password.change", "password.reset", "2fa.enable", "2fa.disable", "securitykey.add", "securitykey.remove",
	"alertrule.create", "alertrule.edit", "alertrule.remove",
	"monitor.add", "monitor.edit", "monitor.remove",
	"org.edit", "org.remove", "sso.edit", "quota.edit",
}

// AuditEntry is one change to record. OrgID, Event and the actor are
// required; the target and Data are optional. Data is a summary (names,
// before and after) and must never hold a secret; RecordAudit drops any
// key that names one and any URL's credentials as a last guard.
type AuditEntry struct {
	OrgID        int64
	ActorUserID  int64  // 0: no user (a failed login for an unknown account)
	ActorTokenID int64  // 0: a dashboard session
	ActorLabel   string // the actor's email at the time, kept if the user goes
	IP           string
	UserAgent    string
	Event        string
	TargetObject int64 // the changed object's id; 0: none
	TargetUserID int64 // the user the change was about; 0: none
	Data         map[string]any
}

// AuditRow is a recorded entry as the audit log lists it.
type AuditRow struct {
	ID           int64
	Event        string
	ActorUserID  *int64
	ActorEmail   string // the user's current email, else the recorded label
	ActorTokenID *int64
	IP           string
	UserAgent    string
	TargetObject *int64
	TargetUserID *int64
	TargetEmail  string
	Data         json.RawMessage
	CreatedAt    time.Time
}

// AuditFilter narrows ListAudit: an event name, an actor's user id.
type AuditFilter struct {
	Event         string
	ActorID       int64
	Limit, Offset int
}

const maxAuditText = 512

// RecordAudit writes one entry.
func (db *DB) RecordAudit(ctx context.Context, e AuditEntry) error {
	data, err := auditData(e.Data)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, `INSERT INTO audit_log (organization_id, actor_user_id, actor_token_id, actor_label, ip_address,
		user_agent, event, target_object, target_user_id, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.OrgID, nullID(e.ActorUserID), nullID(e.ActorTokenID), clip(e.ActorLabel), clip(e.IP), clip(e.UserAgent), e.Event,
		nullID(e.TargetObject), nullID(e.TargetUserID), data)
	if err != nil {
		return fmt.Errorf("record audit %s: %w", e.Event, err)
	}
	return nil
}

// RecordAccountAudit writes the entry once for each organization its
// actor belongs to (e.OrgID is ignored): a change to an account, such as
// an API token, reaches every organization the account does.
func (db *DB) RecordAccountAudit(ctx context.Context, e AuditEntry) error {
	data, err := auditData(e.Data)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, `INSERT INTO audit_log (organization_id, actor_user_id, actor_token_id, actor_label, ip_address,
		user_agent, event, target_object, target_user_id, data)
		SELECT organization_id, $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM organization_members WHERE user_id = $1`,
		e.ActorUserID, nullID(e.ActorTokenID), clip(e.ActorLabel), clip(e.IP), clip(e.UserAgent), e.Event,
		nullID(e.TargetObject), nullID(e.TargetUserID), data)
	if err != nil {
		return fmt.Errorf("record audit %s: %w", e.Event, err)
	}
	return nil
}

// RecordLoginAudit writes the entry once for each organization of the
// account (userID, or when 0 the account with that email; none, nothing
// is written): a login concerns every organization the account reaches,
// as Sentry records it per organization. The account is the actor and
// the target; e.OrgID and the actor fields are ignored.
func (db *DB) RecordLoginAudit(ctx context.Context, userID int64, email string, e AuditEntry) error {
	data, err := auditData(e.Data)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, `INSERT INTO audit_log (organization_id, actor_user_id, actor_label, ip_address,
		user_agent, event, target_user_id, data)
		SELECT m.organization_id, u.id, u.email, $3, $4, $5, u.id, $6
		FROM users u JOIN organization_members m ON m.user_id = u.id
		WHERE CASE WHEN $1::bigint <> 0 THEN u.id = $1::bigint ELSE lower(u.email) = lower(trim($2)) END`,
		userID, email, clip(e.IP), clip(e.UserAgent), e.Event, data)
	if err != nil {
		return fmt.Errorf("record audit %s: %w", e.Event, err)
	}
	return nil
}

// ListAudit lists an organization's entries, newest first.
func (db *DB) ListAudit(ctx context.Context, orgID int64, f AuditFilter) ([]AuditRow, error) {
	rows, err := db.pool.Query(ctx, `SELECT a.id, a.event, a.actor_user_id, coalesce(u.email, a.actor_label), a.actor_token_id,
		a.ip_address, a.user_agent, a.target_object, a.target_user_id, coalesce(tu.email, ''), a.data, a.created_at
		FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id LEFT JOIN users tu ON tu.id = a.target_user_id
		WHERE a.organization_id = $1 AND ($2 = '' OR a.event = $2) AND ($3::bigint = 0 OR a.actor_user_id = $3::bigint)
		ORDER BY a.created_at DESC, a.id DESC LIMIT $4 OFFSET $5`, orgID, f.Event, f.ActorID, f.Limit, f.Offset)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditRow
	for rows.Next() {
		var r AuditRow
		if err := rows.Scan(&r.ID, &r.Event, &r.ActorUserID, &r.ActorEmail, &r.ActorTokenID, &r.IP, &r.UserAgent,
			&r.TargetObject, &r.TargetUserID, &r.TargetEmail, &r.Data, &r.CreatedAt); err != nil {
			return nil, fmt.Errorf("list audit log: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ExpireAudit deletes entries older than days, in every organization
// (removed ones included). The audit log has its own retention, not the
// events': an organization that keeps events a week still needs to know
// who changed what months ago. It deletes in slices so no transaction
// grows large.
func (db *DB) ExpireAudit(ctx context.Context, now time.Time, days int) (int64, error) {
	var n int64
	for {
		tag, err := db.pool.Exec(ctx, `DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log
			WHERE created_at < $1::timestamptz - make_interval(days => $2) LIMIT 10000)`, now, days)
		if err != nil {
			return n, fmt.Errorf("expire audit log: %w", err)
		}
		n += tag.RowsAffected()
		if tag.RowsAffected() == 0 {
			return n, nil
		}
	}
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func clip(s string) string {
	if len(s) > maxAuditText {
		return s[:maxAuditText]
	}
	return s
}

// secretWords are parts of a key name whose value is never recorded.
var secretWords = []string{"password", "secret", "token", "dsn", "totp", "credential", "private", "public_key", "publickey"}

// auditData encodes a summary without secrets: keys naming one are dropped
// and URLs keep only their scheme and host (a webhook's path or query
// often is its secret).
func auditData(d map[string]any) ([]byte, error) {
	if d == nil {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(scrubAudit(d))
	if err != nil {
		return nil, fmt.Errorf("encode audit data: %w", err)
	}
	return b, nil
}

func scrubAudit(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			lk := strings.ToLower(k)
			secret := false
			for _, w := range secretWords {
				if strings.Contains(lk, w) {
					secret = true
				}
			}
			if !secret && x != nil { // nil: a field that did not change
				out[k] = scrubAudit(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = scrubAudit(x)
		}
		return out
	case string:
		if u, err := url.Parse(v); err == nil && u.Scheme != "" && u.Host != "" {
			return u.Scheme + "://" + u.Host
		}
		return clip(v)
	default:
		return v
	}
}
