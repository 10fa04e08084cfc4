package frontend

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// alertRuleInput is GlitchTip's alert body ({name, timespanMinutes,
// quantity, uptime, alertRecipients}) with Faultline's triggers and filters.
type alertRuleInput struct {
	Name            string   `json:"name"`
	TimespanMinutes *int     `json:"timespanMinutes"`
	Quantity        *int     `json:"quantity"`
	Uptime          bool     `json:"uptime"`
	Triggers        []string `json:"triggers"`
	UsersQuantity   int      `json:"usersQuantity"`
	Transaction     string   `json:"transaction"`
	P95Threshold    float64  `json:"p95Threshold"`
	// CrashFreeThreshold is crash_free_rate's percentage of crash-free
	// sessions under which the rule fires.
	CrashFreeThreshold float64 `json:"crashFreeThreshold"`
	Filters            struct {
		Level       string            `json:"level"`
		Environment string            `json:"environment"`
		Release     string            `json:"release"`
		Tags        map[string]string `json:"tags"`
	} `json:"filters"`
	IntervalMinutes *int  `json:"intervalMinutes"`
	Enabled         *bool `json:"enabled"`
	Recipients      []struct {
		RecipientType string `json:"recipientType"`
		URL           string `json:"url"`
		Secret        string `json:"secret"`
	} `json:"alertRecipients"`
}

// rule fills r from the input, with GlitchTip's defaults for what it
// leaves out; the alerts service then judges the result.
func (in alertRuleInput) rule(r *metadata.AlertRule) {
	r.Name = strings.TrimSpace(in.Name)
	if r.Name == "" {
		r.Name = "Alert"
	}
	r.TimespanMin, r.Quantity, r.IntervalMin = 1, 1, 60
	if in.TimespanMinutes != nil {
		r.TimespanMin = *in.TimespanMinutes
	}
	if in.Quantity != nil {
		r.Quantity = *in.Quantity
	}
	if in.IntervalMinutes != nil {
		r.IntervalMin = *in.IntervalMinutes
	}
	r.Triggers = in.Triggers
	if len(r.Triggers) == 0 { // GlitchTip's rule: quantity events in timespanMinutes, or monitors with uptime
		r.Triggers = []string{"frequency"}
		if in.Uptime {
			r.Triggers = []string{"monitor_down", "monitor_up"}
		}
	} else if in.Uptime && !slices.Contains(r.Triggers, "monitor_down") {
		r.Triggers = append(r.Triggers, "monitor_down", "monitor_up")
	}
	r.UsersQuantity = max(in.UsersQuantity, 1)
	r.Transaction, r.P95MS, r.CrashFreeBelow = in.Transaction, in.P95Threshold, in.CrashFreeThreshold
	r.Level, r.Environment, r.Release, r.Tags = in.Filters.Level, in.Filters.Environment, in.Filters.Release, in.Filters.Tags
	r.Enabled = in.Enabled == nil || *in.Enabled
	r.Recipients = nil
	for _, rc := range in.Recipients {
		target := strings.TrimSpace(rc.URL)
		if rc.RecipientType == "webhook" && rc.Secret == "" {
			b := make([]byte, 24)
			_, _ = rand.Read(b)
			rc.Secret = hex.EncodeToString(b)
		}
		r.Recipients = append(r.Recipients, metadata.AlertRecipient{Kind: rc.RecipientType, URL: target, Secret: rc.Secret})
	}
}

func alertRuleJSON(r metadata.AlertRule) fiber.Map {
	recipients := make([]fiber.Map, len(r.Recipients))
	for i, rc := range r.Recipients {
		m := fiber.Map{"id": itoa(rc.ID), "recipientType": rc.Kind, "url": rc.URL}
		if rc.Kind == "webhook" {
			m["secret"] = rc.Secret
		}
		recipients[i] = m
	}
	return fiber.Map{"id": itoa(r.ID), "name": r.Name, "timespanMinutes": r.TimespanMin, "quantity": r.Quantity,
		"uptime": r.Has("monitor_down") || r.Has("monitor_up"), "alertRecipients": recipients, "triggers": r.Triggers,
		"usersQuantity": r.UsersQuantity, "transaction": r.Transaction, "p95Threshold": r.P95MS,
		"crashFreeThreshold": r.CrashFreeBelow,
		"filters":            fiber.Map{"level": r.Level, "environment": r.Environment, "release": r.Release, "tags": r.Tags},
		"intervalMinutes":    r.IntervalMin, "enabled": r.Enabled, "created": r.CreatedAt}
}

// registerAlerts mounts the alert rule routes and the user's alert email
// setting on the authenticated API group.
func (a *API) registerAlerts(api fiber.Router) {
	api.Get("/projects/:org/:project/alerts/", a.listAlertRules)
	api.Post("/projects/:org/:project/alerts/", a.saveAlertRule)
	api.Get("/projects/:org/:project/alerts/history/", a.alertHistory)
	api.Put("/projects/:org/:project/alerts/:id/", a.saveAlertRule)
	api.Delete("/projects/:org/:project/alerts/:id/", a.deleteAlertRule)
	api.Post("/projects/:org/:project/alerts/:id/test/", a.testAlert)
	api.Get("/users/me/notifications/", a.notificationSettings)
	api.Put("/users/me/notifications/", a.notificationSettings)
}

func (a *API) listAlertRules(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:read")
	if err != nil {
		return err
	}
	rules, err := a.alerts.List(c.Context(), p.ID)
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(rules))
	for i, r := range rules {
		out[i] = alertRuleJSON(r)
	}
	return c.JSON(out)
}

// saveAlertRule creates (POST) or replaces (PUT …/{id}/) a rule.
func (a *API) saveAlertRule(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:write")
	if err != nil {
		return err
	}
	var in alertRuleInput
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with name, timespanMinutes, quantity, uptime and alertRecipients")
	}
	r := metadata.AlertRule{ProjectID: p.ID}
	status := fiber.StatusCreated
	if c.Params("id") != "" {
		if r.ID, err = alertRuleParam(c); err != nil {
			return err
		}
		status = fiber.StatusOK
	}
	in.rule(&r)
	saved, err := a.alerts.Save(c.Context(), r)
	if err != nil {
		return err
	}
	event := "alertrule.create"
	if status == fiber.StatusOK {
		event = "alertrule.edit"
	}
	a.audit(c, p.OrgID, event, saved.ID, alertRuleAudit(p, saved))
	return c.Status(status).JSON(alertRuleJSON(saved))
}

// alertRuleParam reads the rule id in the URL; one that cannot be an id
// is a 404 like any unknown rule.
func alertRuleParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.NewError(fiber.StatusNotFound, "alert not found")
	}
	return id, nil
}

func (a *API) deleteAlertRule(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:write")
	if err != nil {
		return err
	}
	id, err := alertRuleParam(c)
	if err != nil {
		return err
	}
	if err := a.alerts.Delete(c.Context(), p.ID, id); err != nil {
		return err
	}
	a.audit(c, p.OrgID, "alertrule.remove", id, map[string]any{"project": p.Slug})
	return c.SendStatus(fiber.StatusNoContent)
}

// testAlert queues a test notification to every recipient of a rule.
func (a *API) testAlert(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:write")
	if err != nil {
		return err
	}
	id, err := alertRuleParam(c)
	if err != nil {
		return err
	}
	link := fmt.Sprintf("%s/app/%s/%s/alerts", a.opts.PublicURL, c.Params("org"), p.Slug)
	alertID, err := a.alerts.Test(c.Context(), p.ID, id, func(r metadata.AlertRule) metadata.Alert {
		return metadata.Alert{ProjectID: p.ID, Trigger: "test", Title: "Test notification from " + r.Name,
			Body: "If you can read this, the alert " + r.Name + " of " + p.Slug + " reaches you.", Link: link}
	})
	if err != nil {
		return err
	}
	if alertID == 0 {
		return fiber.NewError(fiber.StatusConflict, "the alert is turned off; turn it on to test it")
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"alert": itoa(alertID)})
}

// alertHistory lists a project's fired alerts with each delivery's outcome.
func (a *API) alertHistory(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "project:read")
	if err != nil {
		return err
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	records, err := a.alerts.History(c.Context(), p.ID, pg.limit+1, pg.offset)
	if err != nil {
		return err
	}
	records = trimPage(c, pg, records)
	out := make([]fiber.Map, len(records))
	for i, r := range records {
		deliveries := make([]fiber.Map, len(r.Deliveries))
		for j, d := range r.Deliveries {
			deliveries[j] = fiber.Map{"recipientType": d.Kind, "target": d.Target, "status": d.Status, "attempts": d.Attempts,
				"lastError": d.LastError, "sentAt": d.SentAt}
		}
		out[i] = fiber.Map{"id": itoa(r.ID), "alert": itoa(r.RuleID), "alertName": r.RuleName, "trigger": r.Trigger, "title": r.Title,
			"text": r.Body, "url": r.Link, "issue": r.IssueID, "monitor": r.MonitorID, "firedAt": r.FiredAt, "deliveries": deliveries}
	}
	return c.JSON(out)
}

// notificationSettings reads (GET) or sets (PUT {alertEmails}) whether the
// user takes alert email sent to the organization's members; setting it
// takes a logged-in session, not an API token.
func (a *API) notificationSettings(c *fiber.Ctx) error {
	u := principal(c)
	if c.Method() == fiber.MethodPut {
		if err := sessionOnly(c); err != nil {
			return err
		}
		var in struct {
			AlertEmails *bool `json:"alertEmails"`
		}
		if err := json.Unmarshal(c.Body(), &in); err != nil || in.AlertEmails == nil {
			return fiber.NewError(fiber.StatusBadRequest, `send {"alertEmails": true or false}`)
		}
		if err := a.alerts.SetAlertEmails(c.Context(), u.UserID, *in.AlertEmails); err != nil {
			return err
		}
	}
	on, err := a.alerts.AlertEmails(c.Context(), u.UserID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"alertEmails": on})
}
