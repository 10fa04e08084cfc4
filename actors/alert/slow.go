package alert

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// SlowStore lists the rules that watch transactions; *metadata.DB is one.
type SlowStore interface {
	SlowTransactionRules(ctx context.Context) ([]metadata.AlertRule, error)
}

// Durations answers a transaction's percentiles; *analytics.Store is one.
type Durations interface {
	SummarizeTransactions(ctx context.Context, projectID uint64, q analytics.SummaryQuery) ([]analytics.TransactionSummary, error)
}

// WatchTransactions checks every minute, until ctx ends, each rule's
// transaction p95 over its timespan against its threshold. Each process
// may run it: PostgreSQL's rule lock and interval keep the alert single.
func (e *Engine) WatchTransactions(ctx context.Context, rules SlowStore, durations Durations, every time.Duration) error {
	return e.everyRule(ctx, every, "slow-transaction", rules.SlowTransactionRules, func(ctx context.Context, r metadata.AlertRule) {
		e.checkSlow(ctx, r, durations)
	})
}

// everyRule runs check on each rule load lists, every period until ctx
// ends; a failed load is logged and tried again the next period.
func (e *Engine) everyRule(ctx context.Context, every time.Duration, kind string,
	load func(context.Context) ([]metadata.AlertRule, error), check func(context.Context, metadata.AlertRule)) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		list, err := load(ctx)
		if err != nil {
			e.log.Warn("reading "+kind+" rules failed", "err", err)
			continue
		}
		for _, r := range list {
			check(ctx, r)
		}
	}
}

func (e *Engine) checkSlow(ctx context.Context, r metadata.AlertRule, durations Durations) {
	sums, err := durations.SummarizeTransactions(ctx, uint64(r.ProjectID), analytics.SummaryQuery{
		Since: e.now().Add(-time.Duration(r.TimespanMin) * time.Minute), Name: r.Transaction, Limit: 1})
	if err != nil {
		e.log.Warn("checking a transaction's p95 failed", "rule", r.ID, "err", err)
		return
	}
	if len(sums) == 0 || sums[0].P95 <= r.P95MS {
		return
	}
	c, err := e.rulesFor(ctx, r.ProjectID)
	if err != nil {
		return
	}
	s := sums[0]
	e.fire(ctx, r, metadata.Alert{ProjectID: r.ProjectID, Trigger: "slow_transaction",
		Title: fmt.Sprintf("%s is slow: p95 %.0f ms", r.Transaction, s.P95),
		Body:  fmt.Sprintf("p95 %.0f ms over the last %d minutes (threshold %.0f ms, %d transactions)", s.P95, r.TimespanMin, r.P95MS, s.Count),
		Link:  fmt.Sprintf("%s/app/%s/%s/performance/summary?transaction=%s", e.baseURL, c.org, c.project, url.QueryEscape(r.Transaction))})
}
