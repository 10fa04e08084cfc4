package frontend

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

type statusPageInput struct {
	Name     string  `json:"name"`
	Slug     string  `json:"slug"`
	IsPublic *bool   `json:"isPublic"`
	Monitors []int64 `json:"monitors"`
}

func statusPageJSON(p metadata.StatusPage, org string) fiber.Map {
	return fiber.Map{"id": itoa(p.ID), "name": p.Name, "slug": p.Slug, "isPublic": p.Public, "monitors": p.MonitorIDs,
		"url": "/status/" + org + "/" + p.Slug + "/", "created": p.CreatedAt}
}

func (a *API) listStatusPages(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "org:read")
	if err != nil {
		return err
	}
	pages, err := a.db.StatusPages(c.Context(), m.OrgID)
	if err != nil {
		return err
	}
	var ids []int64
	for _, p := range pages {
		ids = append(ids, p.MonitorIDs...)
	}
	hidden, err := a.hiddenMonitors(c, m, ids)
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(pages))
	for i, p := range pages {
		p.MonitorIDs = withoutHidden(p.MonitorIDs, hidden)
		out[i] = statusPageJSON(p, c.Params("org"))
	}
	return c.JSON(out)
}

// saveStatusPage creates (POST) or changes (PUT …/{slug}/) a status page.
func (a *API) saveStatusPage(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "project:write")
	if err != nil {
		return err
	}
	var in statusPageInput
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with name, slug and monitors (ids)")
	}
	p := metadata.StatusPage{OrgID: m.OrgID, Name: strings.TrimSpace(in.Name), Slug: in.Slug, Public: in.IsPublic == nil || *in.IsPublic,
		MonitorIDs: in.Monitors}
	status := fiber.StatusCreated
	var before []int64 // the page's monitors before this change
	if slug := c.Params("slug"); slug != "" {
		existing, err := a.db.StatusPageBySlug(c.Context(), c.Params("org"), slug)
		if errors.Is(err, metadata.ErrNotFound) || (err == nil && existing.OrgID != m.OrgID) {
			return fiber.NewError(fiber.StatusNotFound, "status page not found")
		}
		if err != nil {
			return err
		}
		p.ID, status, before = existing.ID, fiber.StatusOK, existing.MonitorIDs
		if p.Slug == "" {
			p.Slug = existing.Slug
		}
	}
	if p.MonitorIDs, err = a.pageMonitors(c, m, p.MonitorIDs, before); err != nil {
		return err
	}
	saved, err := a.db.SaveStatusPage(c.Context(), p)
	if err != nil {
		return err
	}
	a.statusCache.forget(c.Params("org"), saved.Slug)
	hidden, err := a.hiddenMonitors(c, m, saved.MonitorIDs)
	if err != nil {
		return err
	}
	saved.MonitorIDs = withoutHidden(saved.MonitorIDs, hidden)
	return c.Status(status).JSON(statusPageJSON(saved, c.Params("org")))
}

func (a *API) deleteStatusPage(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "project:write")
	if err != nil {
		return err
	}
	if err := a.db.DeleteStatusPage(c.Context(), m.OrgID, c.Params("slug")); errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "status page not found")
	} else if err != nil {
		return err
	}
	a.statusCache.forget(c.Params("org"), c.Params("slug"))
	return c.SendStatus(fiber.StatusNoContent)
}

// publicStatusPage answers a public status page without an account: each
// chosen monitor's name, state and last 90 days as daily bars — never its
// URL. Answers are cached for 30 s, so a popular page costs the databases
// two queries a minute.
func (a *API) publicStatusPage(c *fiber.Ctx) error {
	org, slug := c.Params("org"), c.Params("slug")
	if body, ok := a.statusCache.get(org, slug); ok {
		c.Set(fiber.HeaderCacheControl, "public, max-age=30")
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	}
	p, err := a.db.StatusPageBySlug(c.Context(), org, slug)
	if errors.Is(err, metadata.ErrNotFound) || (err == nil && !p.Public) {
		return fiber.NewError(fiber.StatusNotFound, "status page not found")
	}
	if err != nil {
		return err
	}
	monitors, err := a.db.MonitorsByID(c.Context(), p.OrgID, p.MonitorIDs)
	if err != nil {
		return err
	}
	ids := make([]uint64, len(monitors))
	for i, m := range monitors {
		ids[i] = uint64(m.ID)
	}
	since := time.Now().Add(-90 * 24 * time.Hour).Truncate(24 * time.Hour)
	strips, err := a.events.MonitorStrips(c.Context(), ids, since, 24*time.Hour)
	if err != nil {
		return err
	}
	uptime, err := a.events.MonitorUptime(c.Context(), ids, since)
	if err != nil {
		return err
	}
	overall := "operational"
	list := make([]fiber.Map, len(monitors))
	for i, m := range monitors {
		days := make([]fiber.Map, 0, 91)
		for _, b := range strips[uint64(m.ID)] {
			days = append(days, fiber.Map{"start": b.Start.Unix(), "checks": b.Checks, "down": b.Down})
		}
		state := "unknown"
		switch {
		case m.Paused:
			state = "paused"
		case m.IsUp != nil && *m.IsUp:
			state = "up"
		case m.IsUp != nil:
			state, overall = "down", "degraded"
		}
		u := uptime[uint64(m.ID)]
		list[i] = fiber.Map{"name": m.Name, "state": state, "since": m.LastChange, "uptime90d": u.UptimePct, "checks90d": u.Checks, "days": days}
	}
	if len(monitors) > 0 && overall == "degraded" {
		down := 0
		for _, m := range list {
			if m["state"] == "down" {
				down++
			}
		}
		if down == len(monitors) {
			overall = "down"
		}
	}
	body, err := json.Marshal(fiber.Map{"name": p.Name, "status": overall, "monitors": list, "updated": time.Now().UTC()})
	if err != nil {
		return err
	}
	a.statusCache.put(org, slug, body)
	c.Set(fiber.HeaderCacheControl, "public, max-age=30")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(body)
}

// pageCache keeps public status pages' answers for 30 s.
type pageCache struct {
	mu      sync.Mutex
	entries map[string]cachedPage
}

type cachedPage struct {
	body    []byte
	expires time.Time
}

func (p *pageCache) get(org, slug string) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.entries[org+"/"+slug]
	if !ok || time.Now().After(e.expires) {
		return nil, false
	}
	return e.body, true
}

func (p *pageCache) put(org, slug string, body []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.entries == nil || len(p.entries) > 10_000 {
		p.entries = map[string]cachedPage{}
	}
	p.entries[org+"/"+slug] = cachedPage{body: body, expires: time.Now().Add(30 * time.Second)}
}

func (p *pageCache) forget(org, slug string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.entries, org+"/"+slug)
}

// pageMonitors is the monitors a status page may show: a caller who sees
// only its teams' projects cannot add a monitor of another project (it is
// dropped, as an unknown id is), and those of other projects already on the
// page stay: the caller is never shown them (the answers leave them out),
// so leaving them out of what it sends does not remove them.
func (a *API) pageMonitors(c *fiber.Ctx, m metadata.Membership, ids, before []int64) ([]int64, error) {
	hidden, err := a.hiddenMonitors(c, m, append(slices.Clone(ids), before...))
	if err != nil || len(hidden) == 0 {
		return ids, err
	}
	out := withoutHidden(ids, hidden)
	for _, id := range before {
		if hidden[id] && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// hiddenMonitors is which of the organization's monitors ids belong to a
// project the caller does not see.
func (a *API) hiddenMonitors(c *fiber.Ctx, m metadata.Membership, ids []int64) (map[int64]bool, error) {
	v, err := a.visibility(c, m)
	if err != nil || v.All || len(ids) == 0 {
		return nil, err
	}
	mons, err := a.db.MonitorsByID(c.Context(), m.OrgID, ids)
	if err != nil {
		return nil, err
	}
	hidden := map[int64]bool{}
	for _, mon := range mons {
		if mon.ProjectID != nil && !v.Sees(*mon.ProjectID) {
			hidden[mon.ID] = true
		}
	}
	return hidden, nil
}

func withoutHidden(ids []int64, hidden map[int64]bool) []int64 {
	if len(hidden) == 0 {
		return ids
	}
	return slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return hidden[id] })
}
