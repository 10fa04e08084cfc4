package frontend

import (
	"errors"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

type tagValueJSON struct {
	Value string `json:"value"`
	Name  string `json:"name"`
	Count uint64 `json:"count"`
}

type tagKeyJSON struct {
	Key         string         `json:"key"`
	Name        string         `json:"name"`
	TotalValues uint64         `json:"totalValues"`
	TopValues   []tagValueJSON `json:"topValues"`
}

// issueTags lists an issue's tag keys with their top values.
func (a *API) issueTags(c *fiber.Ctx) error {
	is, err := a.loadIssue(c)
	if err != nil {
		return err
	}
	tags, err := a.events.IssueTags(c.Context(), uint64(is.ProjectID), uint64(is.ID), 9)
	if err != nil {
		return err
	}
	out := make([]tagKeyJSON, len(tags))
	for i, t := range tags {
		out[i] = tagKeyJSON{Key: t.Key, Name: t.Key, TotalValues: t.TotalCount, TopValues: make([]tagValueJSON, len(t.TopValues))}
		for j, v := range t.TopValues {
			out[i].TopValues[j] = tagValueJSON{Value: v.Value, Name: v.Value, Count: v.Count}
		}
	}
	return c.JSON(out)
}

// fullEvent answers one event in full with the ids of its neighbours.
func (a *API) fullEvent(c *fiber.Ctx, pick func(projectID, issueID uint64) (analytics.EventRow, error)) error {
	is, err := a.loadIssue(c)
	if err != nil {
		return err
	}
	row, err := pick(uint64(is.ProjectID), uint64(is.ID))
	if errors.Is(err, analytics.ErrNoEvent) {
		return fiber.NewError(fiber.StatusNotFound, "event not found")
	}
	if err != nil {
		return err
	}
	ev, err := newEventJSON(row, is)
	if err != nil {
		return err
	}
	prev, next, err := a.events.Neighbours(c.Context(), uint64(is.ProjectID), uint64(is.ID), row)
	if err != nil {
		return err
	}
	ev.PreviousEventID, ev.NextEventID = nullable(prev), nullable(next)
	return c.JSON(ev)
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (a *API) latestEvent(c *fiber.Ctx) error {
	return a.fullEvent(c, func(pid, iid uint64) (analytics.EventRow, error) {
		rows, err := a.events.IssueEvents(c.Context(), pid, iid, 1, 0)
		if err != nil || len(rows) == 0 {
			return analytics.EventRow{}, errors.Join(err, analytics.ErrNoEvent)
		}
		return rows[0], nil
	})
}

func (a *API) oldestEvent(c *fiber.Ctx) error {
	return a.fullEvent(c, func(pid, iid uint64) (analytics.EventRow, error) {
		return a.events.OldestEvent(c.Context(), pid, iid)
	})
}

func (a *API) issueEvent(c *fiber.Ctx) error {
	id, ok := event.NormalizeID(c.Params("event_id"))
	if !ok {
		return fiber.NewError(fiber.StatusNotFound, "event not found")
	}
	return a.fullEvent(c, func(pid, iid uint64) (analytics.EventRow, error) {
		return a.events.IssueEvent(c.Context(), pid, iid, id)
	})
}

type nameJSON struct {
	Name       string `json:"name"`
	Version    string `json:"version,omitempty"`
	EventCount uint64 `json:"eventCount"`
}

// projectValues lists a project's environments or releases seen in the
// last 90 days.
func (a *API) projectValues(column string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := a.loadProject(c)
		if err != nil {
			return err
		}
		values, err := a.events.ProjectValues(c.Context(), uint64(p.ID), column, time.Now().Add(-searchWindow))
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
	list, err := a.db.Comments(c.Context(), is.ID)
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
	cm, err := a.db.AddComment(c.Context(), is.ID, principal(c).UserID, body.Text)
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
	buckets, err := a.events.CountSeries(c.Context(), uint64(projectID), uint64(issueID), since, p[1])
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
