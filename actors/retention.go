package actors

import (
	"context"
	"log/slog"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/prometheus/client_golang/prometheus"
)

// RetentionStore is PostgreSQL's side of retention; *metadata.DB is one.
type RetentionStore interface {
	ShorterRetention(ctx context.Context, maxDays int) ([]metadata.OrgRetention, error)
	ExpireBefore(ctx context.Context, projectIDs []int64, cutoff time.Time) (metadata.Expired, error)
	AutoResolve(ctx context.Context) (int64, error)
	ExpireAudit(ctx context.Context, now time.Time, days int) (int64, error)
}

// RetentionAnalytics is ClickHouse's side; *analytics.Store is one.
type RetentionAnalytics interface {
	DropPartitionsBefore(ctx context.Context, cutoff time.Time) (int, error)
	DeleteProjectsBefore(ctx context.Context, projectIDs []uint64, cutoff time.Time) error
}

// Retention keeps storage bounded: events, transactions, spans, sessions,
// check-ins, outcomes and monitor checks older than MaxDays are dropped
// from ClickHouse by whole day partitions; issues no longer seen, cron
// runs, monitor history and alerts from PostgreSQL;
// organizations with a shorter retention lose their older rows too; audit
// log entries older than AuditDays (their own retention) go as well; and
// issues of projects with a resolve age (Sentry's resolveAge) not seen
// for that long are resolved. Each pass is idempotent, so any number of
// schedulers may run it.
type Retention struct {
	pg      RetentionStore
	ch      RetentionAnalytics
	maxDays int
	audit   int
	every   time.Duration
	metrics *workerMetrics
	log     *slog.Logger
}

// NewRetention returns the retention job: events and what goes with them
// are kept maxDays, audit log entries auditDays. Run starts it. Its
// metrics are registered on reg; nil registers them nowhere.
func NewRetention(pg RetentionStore, ch RetentionAnalytics, maxDays, auditDays int, every time.Duration, reg prometheus.Registerer, log *slog.Logger) *Retention {
	return &Retention{pg: pg, ch: ch, maxDays: maxDays, audit: auditDays, every: every, metrics: newWorkerMetrics(reg),
		log: log.With("component", "retention")}
}

// Run passes once now and then every period until ctx ends.
func (r *Retention) Run(ctx context.Context) error {
	return everyTick(ctx, r.every, r.log, "retention pass failed; it runs again later",
		func(ctx context.Context) error { return r.Pass(ctx, time.Now()) })
}

// Pass removes what is older than the retention at now.
func (r *Retention) Pass(ctx context.Context, now time.Time) error {
	cutoff := now.AddDate(0, 0, -r.maxDays)
	dropped, err := r.ch.DropPartitionsBefore(ctx, cutoff)
	if err != nil {
		return err
	}
	expired, err := r.pg.ExpireBefore(ctx, nil, cutoff)
	if err != nil {
		return err
	}
	orgs, err := r.pg.ShorterRetention(ctx, r.maxDays)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		orgCutoff := now.AddDate(0, 0, -o.Days)
		ids := make([]uint64, len(o.ProjectIDs))
		for i, id := range o.ProjectIDs {
			ids[i] = uint64(id)
		}
		if err := r.ch.DeleteProjectsBefore(ctx, ids, orgCutoff); err != nil {
			return err
		}
		more, err := r.pg.ExpireBefore(ctx, o.ProjectIDs, orgCutoff)
		if err != nil {
			return err
		}
		expired.Issues += more.Issues
	}
	audit, err := r.pg.ExpireAudit(ctx, now, r.audit)
	if err != nil {
		return err
	}
	resolved, err := r.pg.AutoResolve(ctx)
	if err != nil {
		return err
	}
	r.metrics.retentionPasses.Inc()
	r.metrics.retentionDropped.Add(float64(dropped))
	r.log.Info("retention pass", "max_days", r.maxDays, "audit_days", r.audit, "partitions_dropped", dropped, "issues_expired", expired.Issues,
		"orgs_with_shorter_retention", len(orgs), "audit_entries_expired", audit, "issues_auto_resolved", resolved)
	return nil
}
