package frontend

import (
	"time"

	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

type tagValueJSON struct {
	Key       string `json:"key"`
	Value     string `json:"value"`
	Name      string `json:"name"`
	Count     uint64 `json:"count"`
	FirstSeen string `json:"firstSeen"`
	LastSeen  string `json:"lastSeen"`
}

type tagKeyJSON struct {
	Key          string         `json:"key"`
	Name         string         `json:"name"`
	TotalValues  uint64         `json:"totalValues"`
	UniqueValues uint64         `json:"uniqueValues"`
	TopValues    []tagValueJSON `json:"topValues"`
}

// registerIssueDetails mounts the routes of what surrounds an issue (its
// events, tags, counts, comments and user feedback) and a project's
// counts, environments and user feedback on the authenticated
// API group.
func (a *API) registerIssueDetails(api fiber.Router) {
	api.Get("/issues/:id/events/", a.issueEvents)
	api.Get("/issues/:id/events/latest/", a.latestEvent)
	api.Get("/issues/:id/events/oldest/", a.oldestEvent)
	api.Get("/issues/:id/events/:event_id/", a.issueEvent)
	api.Get("/issues/:id/tags/", a.issueTags)
	api.Get("/issues/:id/stats/", a.issueStats)
	api.Get("/issues/:id/comments/", a.comments)
	api.Post("/issues/:id/comments/", a.addComment)
	api.Put("/issues/:id/comments/:comment_id/", a.editComment)
	api.Delete("/issues/:id/comments/:comment_id/", a.deleteComment)
	api.Get("/projects/:org/:project/stats/", a.projectStats)
	api.Get("/projects/:org/:project/environments/", a.projectValues("environment"))
	api.Get("/issues/:id/user-reports/", a.issueFeedback)
	api.Get("/projects/:org/:project/user-feedback/", a.projectFeedback)
}

// issueTags lists an issue's tag keys with their top values.
func (a *API) issueTags(c *fiber.Ctx) error {
	is, err := a.loadIssue(c)
	if err != nil {
		return err
	}
	tags, err := a.details.Tags(c.Context(), is, 9)
	if err != nil {
		return err
	}
	out := make([]tagKeyJSON, len(tags))
	for i, t := range tags {
		out[i] = tagKeyJSON{Key: t.Key, Name: t.Key, TotalValues: t.TotalCount, UniqueValues: t.UniqueValues,
			TopValues: make([]tagValueJSON, len(t.TopValues))}
		for j, v := range t.TopValues {
			out[i].TopValues[j] = tagValueJSON{Key: t.Key, Value: v.Value, Name: v.Value, Count: v.Count,
				FirstSeen: isoTime(v.FirstSeen), LastSeen: isoTime(v.LastSeen)}
		}
	}
	return c.JSON(out)
}

// issueEvents pages through an issue's events, as summaries or in full
// (full=true).
func (a *API) issueEvents(c *fiber.Ctx) error {
	is, err := a.loadIssue(c)
	if err != nil {
		return err
	}
	page, err := parsePage(c)
	if err != nil {
		return err
	}
	rows, err := a.details.Events(c.Context(), is, page.limit+1, page.offset)
	if err != nil {
		return err
	}
	rows = trimPage(c, page, rows)
	if c.QueryBool("full") {
		full := make([]eventJSON, len(rows))
		for i, r := range rows {
			if full[i], err = newEventJSON(r, is); err != nil {
				return err
			}
		}
		return c.JSON(full)
	}
	out := make([]eventSummaryJSON, len(rows))
	for i, r := range rows {
		out[i] = newEventSummaryJSON(r, is)
	}
	return c.JSON(out)
}

// fullEvent answers the issue's event that pick reads, in full with the
// ids of its neighbours.
func (a *API) fullEvent(c *fiber.Ctx, pick func(metadata.Issue) (issues.Event, error)) error {
	is, err := a.loadIssue(c)
	if err != nil {
		return err
	}
	e, err := pick(is)
	if err != nil {
		return err
	}
	ev, err := newEventJSON(e.EventRow, is)
	if err != nil {
		return err
	}
	ev.PreviousEventID, ev.NextEventID = nullable(e.Previous), nullable(e.Next)
	return c.JSON(ev)
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (a *API) latestEvent(c *fiber.Ctx) error {
	return a.fullEvent(c, func(is metadata.Issue) (issues.Event, error) {
		return a.details.Latest(c.Context(), is)
	})
}

func (a *API) oldestEvent(c *fiber.Ctx) error {
	return a.fullEvent(c, func(is metadata.Issue) (issues.Event, error) {
		return a.details.Oldest(c.Context(), is)
	})
}

func (a *API) issueEvent(c *fiber.Ctx) error {
	id, ok := event.NormalizeID(c.Params("event_id"))
	if !ok {
		return fiber.NewError(fiber.StatusNotFound, "event not found")
	}
	return a.fullEvent(c, func(is metadata.Issue) (issues.Event, error) {
		return a.details.Event(c.Context(), is, id)
	})
}

type nameJSON struct {
	Name       string `json:"name"`
	Version    string `json:"version,omitempty"`
	EventCount uint64 `json:"eventCount"`
}

// projectValues lists a project's environments seen in the last 90 days.
func (a *API) projectValues(column string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := a.loadProject(c)
		if err != nil {
			return err
		}
		values, err := a.details.Values(c.Context(), p.ID, column, time.Now().Add(-searchWindow))
		if err != nil {
			return err
		}
		out := make([]nameJSON, len(values))
		for i, v := range values {
			out[i] = nameJSON{Name: v.Value, EventCount: v.Count}
			if column == "release" {
				out[i].Version = v.Value
			}
		}
		return c.JSON(out)
	}
}

type commentJSON struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	User string `json:"user"`
	Data struct {
		Text string `json:"text"`
	} `json:"data"`
	DateCreated string `json:"dateCreated"`
}

func newCommentJSON(c metadata.Comment) commentJSON {
	out := commentJSON{ID: itoa(c.ID), Type: "note", User: c.UserEmail, DateCreated: isoTime(c.CreatedAt)}
	out.Data.Text = c.Text
	return out
}

func (a *API) comments(c *fiber.Ctx) error {
	is, err := a.loadIssue(c)
	if err != nil {
		return err
	}
	list, err := a.details.Comments(c.Context(), is)
	if err != nil {
		return err
	}
	out := make([]commentJSON, len(list))
	for i, cm := range list {
		out[i] = newCommentJSON(cm)
	}
	return c.JSON(out)
}

func (a *API) addComment(c *fiber.Ctx) error {
	is, err := a.loadIssue(c)
	if err != nil {
		return err
	}
	if err := requireScope(c, "event:write"); err != nil {
		return err
	}
	var body struct {
		Text string `json:"text"`
	}
	if err := c.BodyParser(&body); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with text")
	}
	cm, err := a.details.AddComment(c.Context(), is, principal(c).UserID, body.Text)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newCommentJSON(cm))
}

// statsPeriods are the periods a stats series may cover, with their step.
var statsPeriods = map[string][2]time.Duration{
	"24h": {24 * time.Hour, time.Hour},
	"14d": {14 * 24 * time.Hour, 24 * time.Hour},
	"30d": {30 * 24 * time.Hour, 24 * time.Hour},
}

// countSeries answers [[unix seconds, count], ...] for statsPeriod (24h,
// 14d or 30d), as Sentry's stats arrays are shaped.
func (a *API) countSeries(c *fiber.Ctx, projectID, issueID int64) error {
	period := c.Query("statsPeriod", "24h")
	p, ok := statsPeriods[period]
	if !ok {
		return fiber.NewError(fiber.StatusBadRequest, "statsPeriod: use 24h, 14d or 30d")
	}
	since := time.Now().Add(-p[0]).Truncate(p[1])
	buckets, err := a.details.Series(c.Context(), projectID, issueID, since, p[1])
	if err != nil {
		return err
	}
	out := make([][2]int64, len(buckets))
	for i, b := range buckets {
		out[i] = [2]int64{b.Start.Unix(), int64(b.Count)}
	}
	return c.JSON(fiber.Map{"statsPeriod": period, "stats": out})
}

func (a *API) issueStats(c *fiber.Ctx) error {
	is, err := a.loadIssue(c)
	if err != nil {
		return err
	}
	return a.countSeries(c, is.ProjectID, is.ID)
}

func (a *API) projectStats(c *fiber.Ctx) error {
	p, err := a.loadProject(c)
	if err != nil {
		return err
	}
	return a.countSeries(c, p.ID, 0)
}

func (a *API) projectFeedback(c *fiber.Ctx) error {
	project, err := a.loadProject(c)
	if err != nil {
		return err
	}
	page, err := parsePage(c)
	if err != nil {
		return err
	}
	items, err := a.details.ProjectFeedback(c.Context(), project.ID, page.limit+1, page.offset)
	if err != nil {
		return err
	}
	return sendFeedback(c, page, items)
}

func (a *API) issueFeedback(c *fiber.Ctx) error {
	is, err := a.loadIssue(c)
	if err != nil {
		return err
	}
	page, err := parsePage(c)
	if err != nil {
		return err
	}
	items, err := a.details.Feedback(c.Context(), is, page.limit+1, page.offset)
	if err != nil {
		return err
	}
	return sendFeedback(c, page, items)
}

func sendFeedback(c *fiber.Ctx, page page, items []metadata.Feedback) error {
	items = trimPage(c, page, items)
	out := make([]feedbackJSON, len(items))
	for i, f := range items {
		out[i] = newFeedbackJSON(f)
	}
	return c.JSON(out)
}
