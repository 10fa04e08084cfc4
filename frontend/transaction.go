package frontend

import (
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/gofiber/fiber/v2"
)

type slowSampleJSON struct {
	EventID     string  `json:"event_id"`
	TraceID     string  `json:"trace_id"`
	Timestamp   string  `json:"timestamp"`
	DurationMS  float64 `json:"duration_ms"`
	Status      string  `json:"status"`
	HTTPStatus  uint16  `json:"http_status,omitempty"`
	Release     string  `json:"release"`
	Environment string  `json:"environment"`
	User        string  `json:"user"`
}

type spanOpJSON struct {
	Op           string  `json:"op"`
	Count        uint64  `json:"count"`
	Transactions uint64  `json:"transactions"`
	SelfTotalMS  float64 `json:"self_time_total_ms"`
	SelfShare    float64 `json:"self_time_share"` // of all the transactions' time
	AvgMS        float64 `json:"avg_ms"`
	P95MS        float64 `json:"p95_ms"`
}

// transactionSummary answers one transaction name over statsPeriod: its
// figures, its slowest samples and the span operations that take it the
// most time. Its series over time come from events-stats with
// query=transaction:"NAME".
func (a *API) transactionSummary(c *fiber.Ctx) error {
	p, err := a.loadProject(c)
	if err != nil {
		return err
	}
	name := c.Query("transaction")
	if strings.TrimSpace(name) == "" {
		return fiber.NewError(fiber.StatusBadRequest, "transaction: name the transaction, e.g. ?transaction=GET%20/users")
	}
	period, err := a.periodParam(c, "24h")
	if err != nil {
		return err
	}
	since := time.Now().Add(-period)
	ctx := c.Context()
	summaries, err := a.events.SummarizeTransactions(ctx, uint64(p.ID), analytics.SummaryQuery{
		Since: since, ApdexMillis: float64(p.ApdexMillis), Name: name, Limit: 1})
	if err != nil {
		return err
	}
	if len(summaries) == 0 {
		return fiber.NewError(fiber.StatusNotFound, "no transaction named "+name+" in this period")
	}
	s := summaries[0]
	slowest, err := a.events.SlowestTransactions(ctx, uint64(p.ID), name, since, 10)
	if err != nil {
		return err
	}
	ops, err := a.events.SpanOps(ctx, uint64(p.ID), name, since, 10)
	if err != nil {
		return err
	}
	samples := make([]slowSampleJSON, len(slowest))
	for i, t := range slowest {
		samples[i] = slowSampleJSON{EventID: t.EventID, TraceID: t.TraceID, Timestamp: t.Start.Format(time.RFC3339Nano),
			DurationMS: float64(t.Duration) / float64(time.Millisecond), Status: t.Status, HTTPStatus: t.HTTPStatus,
			Release: t.Release, Environment: t.Environment, User: userLabel(t.UserKey)}
	}
	// A transaction's own time is the sum of its durations; a span op's
	// share of it says where the time goes.
	total := 0.0
	if s.Count > 0 {
		total = s.AvgMS * float64(s.Count)
	}
	spanOps := make([]spanOpJSON, len(ops))
	for i, o := range ops {
		share := 0.0
		if total > 0 {
			share = min(o.SelfTotalMS/total, 1)
		}
		spanOps[i] = spanOpJSON{Op: o.Op, Count: o.Count, Transactions: o.Transactions, SelfTotalMS: o.SelfTotalMS,
			SelfShare: share, AvgMS: o.AvgMS, P95MS: o.P95MS}
	}
	return c.JSON(fiber.Map{
		"transaction": name,
		"summary": transactionSummaryJSON{Transaction: s.Name, Count: s.Count, TPM: s.TPM, P50: s.P50, P75: s.P75, P95: s.P95,
			P99: s.P99, FailureRate: s.FailureRate, Apdex: s.Apdex, UserMisery: s.UserMisery},
		"slowest": samples,
		"spanOps": spanOps,
	})
}

// userLabel shows a stored user key (id:42, email:a@b, ip:…) as its value.
func userLabel(key string) string {
	if _, v, ok := strings.Cut(key, ":"); ok {
		return v
	}
	return key
}
