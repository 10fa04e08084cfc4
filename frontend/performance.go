package frontend

import (
	"errors"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/performance"
	"github.com/faultline/faultline/frontend/search"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

type transactionSummaryJSON struct {
	Transaction string  `json:"transaction"`
	Count       uint64  `json:"count"`
	TPM         float64 `json:"tpm"`
	P50         float64 `json:"p50"`
	P75         float64 `json:"p75"`
	P95         float64 `json:"p95"`
	P99         float64 `json:"p99"`
	FailureRate float64 `json:"failure_rate"`
	Apdex       float64 `json:"apdex"`
	UserMisery  uint64  `json:"user_misery"`
	// Counts over the period as [unix seconds, count], in the list only.
	Sparkline [][2]int64 `json:"sparkline,omitempty"`
}

// registerPerformance mounts the transaction routes on the authenticated
// API group.
func (a *API) registerPerformance(api fiber.Router) {
	api.Get("/projects/:org/:project/transactions/", a.transactions)
	api.Get("/projects/:org/:project/transactions/summary/", a.transactionSummary)
	api.Get("/projects/:org/:project/transactions/:event_id/spans/", a.waterfall)
}

// transactions answers per-name summaries of a project's transactions over
// statsPeriod (default 24h): count, throughput, duration percentiles,
// failure rate, Apdex with the project's threshold, user misery.
func (a *API) transactions(c *fiber.Ctx) error {
	p, err := a.loadProject(c)
	if err != nil {
		return err
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	period, err := a.periodParam(c, "24h")
	if err != nil {
		return err
	}
	rows, err := a.perf.List(c.Context(), performance.ListQuery{Project: perfProject(p), Period: period, Now: time.Now(),
		Search: c.Query("query"), Sort: c.Query("sort", "-count"), Limit: pg.limit + 1, Offset: pg.offset})
	if err != nil {
		return err
	}
	rows = trimPage(c, pg, rows)
	out := make([]transactionSummaryJSON, len(rows))
	for i, r := range rows {
		out[i] = newTransactionSummaryJSON(r.TransactionSummary)
		out[i].Sparkline = make([][2]int64, len(r.Sparkline))
		for j, pt := range r.Sparkline {
			out[i].Sparkline[j] = [2]int64{pt.Start.Unix(), int64(pt.Count)}
		}
	}
	return c.JSON(out)
}

func newTransactionSummaryJSON(r analytics.TransactionSummary) transactionSummaryJSON {
	return transactionSummaryJSON{Transaction: r.Name, Count: r.Count, TPM: r.TPM, P50: r.P50, P75: r.P75, P95: r.P95,
		P99: r.P99, FailureRate: r.FailureRate, Apdex: r.Apdex, UserMisery: r.UserMisery}
}

func perfProject(p metadata.Project) performance.Project {
	return performance.Project{ID: p.ID, ApdexMillis: float64(p.ApdexMillis)}
}

// usageStats answers Sentry's stats_v2 shape from the ingest outcomes: per
// category and outcome, a total and a series over statsPeriod (default
// 24h) in steps of interval (default 1h), for the organization's projects
// or those named by project=.
func (a *API) usageStats(c *fiber.Ctx) error {
	_, projects, err := a.orgProjectsAllowing(c, "org:read")
	if err != nil {
		return err
	}
	period, err := a.periodParam(c, "24h")
	if err != nil {
		return err
	}
	step, err := stepParam(c, period)
	if err != nil {
		return err
	}
	ids, _ := projectScope(projects)
	now := time.Now().UTC()
	start := now.Add(-period).Truncate(step)
	points, err := a.events.OutcomeSeries(c.Context(), ids, start, step)
	if err != nil {
		return err
	}
	var intervals []string
	index := map[int64]int{}
	for t := start; !t.After(now); t = t.Add(step) {
		index[t.Unix()] = len(intervals)
		intervals = append(intervals, t.Format(time.RFC3339))
	}
	type group struct {
		By     map[string]string   `json:"by"`
		Totals map[string]uint64   `json:"totals"`
		Series map[string][]uint64 `json:"series"`
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, p := range points {
		key := p.Category + "/" + p.Outcome
		g := byKey[key]
		if g == nil {
			g = &group{By: map[string]string{"category": p.Category, "outcome": p.Outcome},
				Totals: map[string]uint64{"sum(quantity)": 0}, Series: map[string][]uint64{"sum(quantity)": make([]uint64, len(intervals))}}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.Totals["sum(quantity)"] += p.Quantity
		if i, ok := index[p.Bucket.Unix()]; ok {
			g.Series["sum(quantity)"][i] += p.Quantity
		}
	}
	if groups == nil {
		groups = []*group{}
	}
	return c.JSON(fiber.Map{"start": start.Format(time.RFC3339), "end": now.Format(time.RFC3339), "intervals": intervals, "groups": groups})
}

// eventsStats answers series of aggregates over time, Sentry's
// events-stats: yAxis (one or more of Discover's numeric functions:
// count(), count_unique(user), p95(transaction.duration), failure_rate(),
// apdex(300), …), statsPeriod and interval, query (Discover's, with AND,
// OR and parentheses; event.type picks the dataset), project= ids,
// dataset (transactions or errors; by default transactions when a yAxis
// needs them), and field + topEvents to split by the top N values.
func (a *API) eventsStats(c *fiber.Ctx) error {
	_, projects, err := a.orgProjectsAllowing(c, "event:read")
	if err != nil {
		return err
	}
	yAxis := queryList(c, "yAxis")
	if len(yAxis) == 0 {
		yAxis = []string{"count()"}
	}
	expr, err := search.ParseBoolean(c.Query("query"))
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "query: "+err.Error())
	}
	fromQuery, err := eventTypeDataset(expr)
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "query: "+err.Error())
	}
	where, err := condOf(expr, true)
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "query: "+err.Error())
	}
	dataset := c.Query("dataset")
	switch {
	case dataset == "" || dataset == "discover":
		dataset = fromQuery
		if dataset != "" {
			break
		}
		dataset = "errors"
		for _, y := range yAxis {
			if y != "count()" && y != "count_unique(user)" && y != "epm()" {
				dataset = "transactions"
			}
		}
	case fromQuery != "" && fromQuery != dataset:
		return fiber.NewError(fiber.StatusBadRequest, "query: event.type asks for "+fromQuery+", dataset for "+dataset)
	}
	period, err := a.periodParam(c, "24h")
	if err != nil {
		return err
	}
	step, err := stepParam(c, period)
	if err != nil {
		return err
	}
	ids, apdex := projectScope(projects)
	topN, err := countParam(c, "topEvents", 0, 0, 10)
	if err != nil {
		return err
	}
	series, err := a.events.SeriesOf(c.Context(), analytics.SeriesQuery{
		Dataset: dataset, ProjectIDs: ids, Since: time.Now().Add(-period).Truncate(step), Step: step, YAxis: yAxis,
		Where: where, GroupBy: c.Query("field"), TopN: topN, ApdexMillis: apdex,
	})
	if errors.Is(err, analytics.ErrBadQuery) {
		return fiber.NewError(fiber.StatusBadRequest, strings.TrimPrefix(err.Error(), "bad query: "))
	}
	if err != nil {
		return err
	}
	start := time.Now().Add(-period).Truncate(step)
	shape := func(s analytics.Series) fiber.Map {
		data := make([][2]any, len(s.Values))
		for i, v := range s.Values {
			data[i] = [2]any{start.Add(time.Duration(i) * step).Unix(), []fiber.Map{{"count": v}}}
		}
		return fiber.Map{"data": data, "start": start.Unix(), "end": time.Now().Unix()}
	}
	// Sentry's shapes: one series bare; several keyed by yAxis; split
	// series keyed by group (and then yAxis when there are several).
	if c.Query("field") == "" {
		if len(series) == 1 {
			return c.JSON(shape(series[0]))
		}
		out := fiber.Map{}
		for _, s := range series {
			out[s.YAxis] = shape(s)
		}
		return c.JSON(out)
	}
	out := fiber.Map{}
	for _, s := range series {
		if len(yAxis) == 1 {
			out[s.Group] = shape(s)
			continue
		}
		g, _ := out[s.Group].(fiber.Map)
		if g == nil {
			g = fiber.Map{}
			out[s.Group] = g
		}
		g[s.YAxis] = shape(s)
	}
	return c.JSON(out)
}

func queryList(c *fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Context().QueryArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	return out
}

type spanJSON struct {
	SpanID       string  `json:"span_id"`
	ParentSpanID string  `json:"parent_span_id"`
	Op           string  `json:"op"`
	Description  string  `json:"description"`
	Status       string  `json:"status"`
	Start        float64 `json:"start_timestamp"` // seconds since the epoch
	OffsetMS     float64 `json:"offset_ms"`       // from the transaction's start
	DurationMS   float64 `json:"duration_ms"`
	SelfTimeMS   float64 `json:"self_time_ms"`
}

// waterfall answers one transaction with its spans, for a waterfall view.
func (a *API) waterfall(c *fiber.Ctx) error {
	p, err := a.loadProject(c)
	if err != nil {
		return err
	}
	id, ok := event.NormalizeID(c.Params("event_id"))
	if !ok {
		return fiber.NewError(fiber.StatusNotFound, "transaction not found")
	}
	w, err := a.perf.Waterfall(c.Context(), p.ID, id)
	if err != nil {
		return err
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	spans := make([]spanJSON, len(w.Spans))
	for i, s := range w.Spans {
		spans[i] = spanJSON{SpanID: s.SpanID, ParentSpanID: s.ParentSpanID, Op: s.Op, Description: s.Description, Status: s.Status,
			Start: float64(s.Start.UnixMicro()) / 1e6, OffsetMS: ms(s.Start.Sub(w.Transaction.Start)), DurationMS: ms(s.Duration), SelfTimeMS: ms(s.SelfTime)}
	}
	t := w.Transaction
	return c.JSON(fiber.Map{
		"transaction": fiber.Map{"event_id": t.EventID, "trace_id": t.TraceID, "span_id": t.SpanID, "name": t.Name, "op": t.Op,
			"status": t.Status, "start_timestamp": float64(t.Start.UnixMicro()) / 1e6, "duration_ms": ms(t.Duration)},
		"spans": spans,
	})
}

// projectScope is what analytics queries need of the projects a request
// covers: their ids, and the Apdex threshold when there is one project (0,
// the default, across several).
func projectScope(projects []metadata.Project) (ids []uint64, apdexMillis float64) {
	ids = make([]uint64, len(projects))
	for i, p := range projects {
		ids[i] = uint64(p.ID)
	}
	if len(projects) == 1 {
		apdexMillis = float64(projects[0].ApdexMillis)
	}
	return ids, apdexMillis
}
