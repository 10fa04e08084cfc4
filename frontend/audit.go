package frontend

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// auditStore keeps the audit log; *metadata.DB is one. An API without
// one (handlers tested alone) records nothing.
type auditStore interface {
	RecordAudit(ctx context.Context, e metadata.AuditEntry) error
	RecordAccountAudit(ctx context.Context, e metadata.AuditEntry) error
	RecordLoginAudit(ctx context.Context, userID int64, email string, e metadata.AuditEntry) error
	ListAudit(ctx context.Context, orgID int64, f metadata.AuditFilter) ([]metadata.AuditRow, error)
}

// audit records a change the caller made in an organization, after it
// succeeded: who (the user, and the token when one was used), from where
// (c.IP(), the client address login throttling counts by too, and the
// user agent)
// and a summary in data, which must never hold a secret. A failure to
// record is logged, not answered: the change is made already.
func (a *API) audit(c *fiber.Ctx, orgID int64, event string, targetID int64, data map[string]any) {
	a.auditAbout(c, orgID, event, targetID, 0, data)
}

// auditAbout is audit for a change about a user (a member's role, their
// removal).
func (a *API) auditAbout(c *fiber.Ctx, orgID int64, event string, targetID, targetUserID int64, data map[string]any) {
	if a.audits == nil {
		return
	}
	e := auditEntry(c, event, targetID, data)
	e.OrgID, e.TargetUserID = orgID, targetUserID
	ctx, cancel := auditContext(c)
	defer cancel()
	if err := a.audits.RecordAudit(ctx, e); err != nil {
		a.log.Error("could not record an audit entry", "event", event, "org", orgID, "err", err)
	}
}

// auditAccount records a change to the caller's own account (an API
// token) in every organization the account belongs to.
func (a *API) auditAccount(c *fiber.Ctx, event string, targetID int64, data map[string]any) {
	if a.audits == nil {
		return
	}
	ctx, cancel := auditContext(c)
	defer cancel()
	if err := a.audits.RecordAccountAudit(ctx, auditEntry(c, event, targetID, data)); err != nil {
		a.log.Error("could not record an audit entry", "event", event, "err", err)
	}
}

func auditEntry(c *fiber.Ctx, event string, targetID int64, data map[string]any) metadata.AuditEntry {
	p := principal(c)
	return metadata.AuditEntry{ActorUserID: p.UserID, ActorTokenID: p.TokenID, ActorLabel: p.Email,
		IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent), Event: event, TargetObject: targetID, Data: data}
}

// auditLogin records a login, or a failed one, in every organization of
// the account (by id, or by the email tried when the password was wrong).
func (a *API) auditLogin(c *fiber.Ctx, userID int64, email, event, method string) {
	a.auditAccountOf(c, userID, email, event, map[string]any{"method": method})
}

// auditAs records a change to an account made without a session (a
// password reset by its link) in every organization of the account, the
// account being the actor.
func (a *API) auditAs(c *fiber.Ctx, userID int64, event string, data map[string]any) {
	a.auditAccountOf(c, userID, "", event, data)
}

func (a *API) auditAccountOf(c *fiber.Ctx, userID int64, email, event string, data map[string]any) {
	if a.audits == nil {
		return
	}
	e := metadata.AuditEntry{IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent), Event: event, Data: data}
	ctx, cancel := auditContext(c)
	defer cancel()
	if err := a.audits.RecordLoginAudit(ctx, userID, email, e); err != nil {
		a.log.Error("could not record an audit entry", "event", event, "err", err)
	}
}

// auditContext outlives a client that hung up once the change was made.
func auditContext(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(c.UserContext()), 5*time.Second)
}

// auditUserJSON is a user as an audit row names it.
type auditUserJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type auditRowJSON struct {
	ID           string          `json:"id"`
	Event        string          `json:"event"`
	Actor        *auditUserJSON  `json:"actor"`
	ActorToken   *string         `json:"actorToken"`
	IPAddress    string          `json:"ipAddress"`
	UserAgent    string          `json:"userAgent"`
	DateCreated  string          `json:"dateCreated"`
	Data         json.RawMessage `json:"data"`
	TargetObject *int64          `json:"targetObject"`
	TargetUser   *auditUserJSON  `json:"targetUser"`
}

// auditLogs lists an organization's audit log, newest first, as Sentry's
// GET /organizations/{org}/audit-logs/ does, for owners and managers
// (org:write); event= and actor= (a user id) filter it.
func (a *API) auditLogs(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "org:write")
	if err != nil {
		return err
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	f := metadata.AuditFilter{Event: c.Query("event"), Limit: pg.limit + 1, Offset: pg.offset}
	if f.Event != "" && !slices.Contains(metadata.AuditEvents, f.Event) {
		return fiber.NewError(fiber.StatusBadRequest, "event: not one of the audit log's events (see options)")
	}
	if s := c.Query("actor"); s != "" {
		if f.ActorID, err = strconv.ParseInt(s, 10, 64); err != nil || f.ActorID <= 0 {
			return fiber.NewError(fiber.StatusBadRequest, "actor: a user id")
		}
	}
	rows, err := a.audits.ListAudit(c.Context(), m.OrgID, f)
	if err != nil {
		return err
	}
	rows = trimPage(c, pg, rows)
	out := make([]auditRowJSON, len(rows))
	for i, r := range rows {
		j := auditRowJSON{ID: itoa(r.ID), Event: r.Event, IPAddress: r.IP, UserAgent: r.UserAgent,
			DateCreated: r.CreatedAt.UTC().Format(time.RFC3339Nano), Data: r.Data, TargetObject: r.TargetObject}
		if r.ActorUserID != nil {
			j.Actor = &auditUserJSON{ID: itoa(*r.ActorUserID), Name: r.ActorEmail, Email: r.ActorEmail}
		}
		if r.ActorTokenID != nil {
			t := itoa(*r.ActorTokenID)
			j.ActorToken = &t
		}
		if r.TargetUserID != nil {
			j.TargetUser = &auditUserJSON{ID: itoa(*r.TargetUserID), Name: r.TargetEmail, Email: r.TargetEmail}
		}
		out[i] = j
	}
	return c.JSON(fiber.Map{"rows": out, "options": metadata.AuditEvents})
}

// beforeAfter is a field's change for an audit entry, nil when it did not
// change.
func beforeAfter[T comparable](before, after T) any {
	if before == after {
		return nil
	}
	return map[string]any{"before": before, "after": after}
}

// projectAudit summarizes a project's change: its settings before and
// after, those that changed only.
func projectAudit(before, after metadata.Project) map[string]any {
	return map[string]any{"project": after.Slug,
		"name": beforeAfter(before.Name, after.Name), "slug": beforeAfter(before.Slug, after.Slug),
		"platform": beforeAfter(before.Platform, after.Platform), "scrubData": beforeAfter(before.ScrubData, after.ScrubData),
		"apdexMillis": beforeAfter(before.ApdexMillis, after.ApdexMillis), "resolveAgeHours": beforeAfter(before.ResolveAgeHours, after.ResolveAgeHours),
		"subjectPrefix":  beforeAfter(before.SubjectPrefix, after.SubjectPrefix),
		"allowedDomains": beforeAfter(strings.Join(before.AllowedOrigins, " "), strings.Join(after.AllowedOrigins, " "))}
}

// keyAudit is a DSN key's state after a change; never its secret.
func keyAudit(p metadata.Project, k metadata.DSNKey) map[string]any {
	return map[string]any{"project": p.Slug, "name": k.Label, "isActive": k.Active,
		"rateLimit": k.RateLimit, "rateWindowSeconds": int(k.RateWindow / time.Second)}
}

// alertRuleAudit summarizes a rule: its recipients by kind only, as a
// webhook's address may carry its secret.
func alertRuleAudit(p metadata.Project, r metadata.AlertRule) map[string]any {
	kinds := make([]string, len(r.Recipients))
	for i, rc := range r.Recipients {
		kinds[i] = rc.Kind
	}
	return map[string]any{"project": p.Slug, "name": r.Name, "triggers": r.Triggers, "recipients": kinds, "enabled": r.Enabled}
}

// monitorAudit summarizes a monitor: its target's host only (its URL,
// headers, body and heartbeat endpoint may carry secrets).
func monitorAudit(m metadata.Monitor) map[string]any {
	out := map[string]any{"name": m.Name, "kind": m.Kind, "paused": m.Paused}
	if u, err := url.Parse(m.URL); err == nil && u.Host != "" {
		out["host"] = u.Hostname()
	}
	return out
}
