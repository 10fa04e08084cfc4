package frontend

import (
	"strings"
	"time"

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
	period, err := a.periodParam(c, "24h")
	if err != nil {
		return err
	}
	name := c.Query("transaction")
	s, err := a.perf.Summarize(c.Context(), perfProject(p), name, period, time.Now())
	if err != nil {
		return err
	}
	samples := make([]slowSampleJSON, len(s.Slowest))
	for i, t := range s.Slowest {
		samples[i] = slowSampleJSON{EventID: t.EventID, TraceID: t.TraceID, Timestamp: t.Start.Format(time.RFC3339Nano),
			DurationMS: float64(t.Duration) / float64(time.Millisecond), Status: t.Status, HTTPStatus: t.HTTPStatus,
			Release: t.Release, Environment: t.Environment, User: userLabel(t.UserKey)}
	}
	spanOps := make([]spanOpJSON, len(s.SpanOps))
	for i, o := range s.SpanOps {
		spanOps[i] = spanOpJSON{Op: o.Op, Count: o.Count, Transactions: o.Transactions, SelfTotalMS: o.SelfTotalMS,
			SelfShare: o.Share, AvgMS: o.AvgMS, P95MS: o.P95MS}
	}
	return c.JSON(fiber.Map{
		"transaction": name,
		"summary":     newTransactionSummaryJSON(s.TransactionSummary),
		"slowest":     samples,
		"spanOps":     spanOps,
	})
}

// userLabel shows a stored user key (id:42, email:a@b, ip:…) as its value.
func userLabel(key string) string {
	if _, v, ok := strings.Cut(key, ":"); ok {
		return v
	}
	return key
}
