package alert

import (
	"context"
	"fmt"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// CrashFreeStore lists the rules that watch crash-free sessions;
// *metadata.DB is one.
type CrashFreeStore interface {
	CrashFreeRules(ctx context.Context) ([]metadata.AlertRule, error)
}

// SessionCounts answers release-health counts; *analytics.Store is one.
type SessionCounts interface {
	SessionHealth(ctx context.Context, q analytics.HealthQuery) ([]analytics.HealthRow, error)
}

// WatchCrashFreeRate checks every period, until ctx ends, each rule's share
// of crash-free sessions over its timespan against its threshold. Each
// process may run it: PostgreSQL's rule lock and interval keep the alert
// single.
func (e *Engine) WatchCrashFreeRate(ctx context.Context, rules CrashFreeStore, sessions SessionCounts, every time.Duration) error {
	return e.everyRule(ctx, every, "crash-free", rules.CrashFreeRules, func(ctx context.Context, r metadata.AlertRule) {
		e.checkCrashFree(ctx, r, sessions)
	})
}

// checkCrashFree fires r when at least Quantity sessions (of its release
// and environment, when it names them) started in its timespan and fewer
// than CrashFreeBelow percent of them ended without crashing.
func (e *Engine) checkCrashFree(ctx context.Context, r metadata.AlertRule, sessions SessionCounts) {
	now := e.now()
	q := analytics.HealthQuery{ProjectIDs: []uint64{uint64(r.ProjectID)},
		Start: now.Add(-time.Duration(r.TimespanMin) * time.Minute), End: now.Add(time.Minute)}
	if r.Release != "" {
		q.Releases = []string{r.Release}
	}
	if r.Environment != "" {
		q.Environments = []string{r.Environment}
	}
	rows, err := sessions.SessionHealth(ctx, q)
	if err != nil {
		e.log.Warn("checking the crash-free rate failed", "rule", r.ID, "err", err)
		return
	}
	if len(rows) == 0 || rows[0].Sessions < uint64(max(r.Quantity, 1)) {
		return
	}
	h := rows[0]
	rate, _ := h.CrashFreeSessions()
	if 100*rate >= r.CrashFreeBelow {
		return
	}
	c, err := e.rulesFor(ctx, r.ProjectID)
	if err != nil {
		return
	}
	scope := c.project
	if r.Release != "" {
		scope = r.Release
	}
	e.fire(ctx, r, metadata.Alert{ProjectID: r.ProjectID, Trigger: "crash_free_rate",
		Title: fmt.Sprintf("%s: %.2f%% crash-free sessions", scope, 100*rate),
		Body: fmt.Sprintf("%d of %d sessions crashed over the last %d minutes: %.2f%% crash-free, under the threshold of %.2f%%",
			h.Crashed, h.Sessions, r.TimespanMin, 100*rate, r.CrashFreeBelow),
		Link: fmt.Sprintf("%s/app/%s/%s/", e.baseURL, c.org, c.project)})
}
