// Package alert decides when a project's alert rules fire — as events are
// grouped, as monitors change state, as transactions slow down — and
// delivers the notifications: email, signed webhooks, Slack, Discord and
// Microsoft Teams, retried with back-off.
package alert

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/faultline/faultline/actors/monitor"
	"github.com/faultline/faultline/metadata"
	"github.com/prometheus/client_golang/prometheus"
)

// Store is the PostgreSQL side of alerts; *metadata.DB is one.
type Store interface {
	AlertRules(ctx context.Context, projectID int64) ([]metadata.AlertRule, error)
	FireAlert(ctx context.Context, rule metadata.AlertRule, a metadata.Alert) (int64, error)
	ProjectSlugs(ctx context.Context, projectID int64) (org, project string, err error)
}

// History is the ClickHouse side: what an issue's window held before a
// restart; *analytics.Store is one.
type History interface {
	IssueMinutes(ctx context.Context, projectID, issueID uint64, since time.Time) (map[int64]uint64, map[string]int64, error)
}

// Engine holds what every project's evaluation shares: the rules (re-read
// every 30 s), the stores and the public URL for links.
type Engine struct {
	store   Store
	history History
	baseURL string
	log     *slog.Logger
	now     func() time.Time
	metrics *alertMetrics

	fired func() // called after an alert is recorded; may be nil

	mu    sync.Mutex
	rules map[int64]cachedRules
}

type cachedRules struct {
	rules   []metadata.AlertRule
	org     string
	project string
	loaded  time.Time
}

// EngineConfig is what an Engine is built with besides its stores.
type EngineConfig struct {
	BaseURL string // Faultline's public URL, for links in notifications
	// OnFired, which may be nil, is called after an alert is recorded:
	// Dispatcher.Nudge sends it at once rather than at the next poll.
	OnFired func()
}

// NewEngine returns an engine. Its metrics are registered on reg; nil
// registers them nowhere.
func NewEngine(store Store, history History, cfg EngineConfig, reg prometheus.Registerer, log *slog.Logger) *Engine {
	return &Engine{store: store, history: history, baseURL: cfg.BaseURL, fired: cfg.OnFired, log: log.With("component", "alerts"),
		now: time.Now, metrics: newAlertMetrics(reg), rules: map[int64]cachedRules{}}
}

// rulesFor returns a project's enabled rules, cached for 30 s.
func (e *Engine) rulesFor(ctx context.Context, projectID int64) (cachedRules, error) {
	e.mu.Lock()
	c, ok := e.rules[projectID]
	e.mu.Unlock()
	if ok && e.now().Sub(c.loaded) < 30*time.Second {
		return c, nil
	}
	all, err := e.store.AlertRules(ctx, projectID)
	if err != nil {
		return c, err
	}
	c = cachedRules{loaded: e.now()}
	for _, r := range all {
		if r.Enabled {
			c.rules = append(c.rules, r)
		}
	}
	if len(c.rules) > 0 {
		if c.org, c.project, err = e.store.ProjectSlugs(ctx, projectID); err != nil {
			return c, err
		}
	}
	e.mu.Lock()
	e.rules[projectID] = c
	e.mu.Unlock()
	return c, nil
}

// Forget drops a project's cached rules, so a change applies at once.
func (e *Engine) Forget(projectID int64) {
	e.mu.Lock()
	delete(e.rules, projectID)
	e.mu.Unlock()
}

// MonitorChanged fires the rules of the monitor's project that watch
// monitors; monitor.Runner calls it with every state change.
func (e *Engine) MonitorChanged(sc monitor.StateChange) {
	m := sc.Monitor
	if m.ProjectID == nil {
		return // alerts belong to projects; a monitor without one alerts nobody
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := e.rulesFor(ctx, *m.ProjectID)
	if err != nil {
		e.log.Warn("reading alert rules failed", "project", *m.ProjectID, "err", err)
		return
	}
	trigger := map[string]string{"down": "monitor_down", "up": "monitor_up", "tls_expiry": "tls_expiry"}[sc.Change.Kind]
	if sc.Change.Kind == "up" && sc.Change.Reason == "first check succeeded" {
		return // a new monitor coming up is no news
	}
	for _, r := range c.rules {
		if !r.Has(trigger) {
			continue
		}
		verb := map[string]string{"monitor_down": "is down", "monitor_up": "is up again", "tls_expiry": "has a certificate expiring soon"}[trigger]
		id := m.ID
		e.fire(ctx, r, metadata.Alert{ProjectID: *m.ProjectID, MonitorID: &id, Trigger: trigger,
			Title: fmt.Sprintf("%s %s", m.Name, verb), Body: sc.Change.Reason,
			Link: fmt.Sprintf("%s/app/%s/monitors/%d", e.baseURL, c.org, m.ID)})
	}
}

func (e *Engine) fire(ctx context.Context, r metadata.AlertRule, a metadata.Alert) bool {
	a.RuleID = r.ID
	id, err := e.store.FireAlert(ctx, r, a)
	if err != nil {
		e.log.Warn("recording an alert failed", "rule", r.ID, "err", err)
		return false
	}
	if id != 0 {
		e.metrics.alertsFired.WithLabelValues(a.Trigger).Inc()
		e.log.Info("alert fired", "rule", r.ID, "alert", id, "trigger", a.Trigger, "title", a.Title)
		if e.fired != nil {
			e.fired()
		}
	}
	return true
}
