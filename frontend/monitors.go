package frontend

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// listMonitors answers an organization's uptime and cron monitors, each
// with its last 24 hours as hourly bars and its uptime over them.
func (a *API) listMonitors(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "org:read")
	if err != nil {
		return err
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	all, err := a.db.ListMonitors(c.Context(), m.OrgID)
	if err != nil {
		return err
	}
	end := min(len(all), pg.offset+pg.limit+1)
	monitors := trimPage(c, pg, all[min(pg.offset, len(all)):end])
	ids := make([]uint64, len(monitors))
	for i, mon := range monitors {
		ids[i] = uint64(mon.ID)
	}
	since := time.Now().Add(-24 * time.Hour)
	strips, err := a.events.MonitorStrips(c.Context(), ids, since.Truncate(time.Hour), time.Hour)
	if err != nil {
		return err
	}
	uptime, err := a.events.MonitorUptime(c.Context(), ids, since)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(monitors))
	for i, mon := range monitors {
		var u *analytics.UptimeStats
		if s, ok := uptime[uint64(mon.ID)]; ok {
			u = &s
		}
		out[i] = a.monitorJSON(c.Params("org"), mon, nil, strips[uint64(mon.ID)], u)
	}
	return c.JSON(out)
}

// loadMonitor finds the organization's monitor named by :id — an id, or
// a cron monitor's slug as Sentry's routes use.
func (a *API) loadMonitor(c *fiber.Ctx, scope string) (metadata.Membership, metadata.Monitor, error) {
	m, err := a.orgAllowing(c, scope)
	if err != nil {
		return m, metadata.Monitor{}, err
	}
	var mon metadata.Monitor
	if id, perr := strconv.ParseInt(c.Params("id"), 10, 64); perr == nil {
		mon, err = a.db.GetMonitor(c.Context(), m.OrgID, id)
	} else {
		mon, err = a.db.MonitorBySlug(c.Context(), m.OrgID, c.Params("id"))
	}
	if errors.Is(err, metadata.ErrNotFound) {
		return m, mon, fiber.NewError(fiber.StatusNotFound, "monitor not found")
	}
	return m, mon, err
}

// monitor answers one monitor with its latest checks, its last 24 hours
// and its recent state changes.
func (a *API) monitor(c *fiber.Ctx) error {
	_, mon, err := a.loadMonitor(c, "org:read")
	if err != nil {
		return err
	}
	ctx := c.Context()
	checks, err := a.events.RecentChecks(ctx, uint64(mon.ID), 60, 0)
	if err != nil {
		return err
	}
	since := time.Now().Add(-24 * time.Hour)
	strips, err := a.events.MonitorStrips(ctx, []uint64{uint64(mon.ID)}, since.Truncate(time.Hour), time.Hour)
	if err != nil {
		return err
	}
	uptime, err := a.events.MonitorUptime(ctx, []uint64{uint64(mon.ID)}, since)
	if err != nil {
		return err
	}
	u := uptime[uint64(mon.ID)]
	out := a.monitorJSON(c.Params("org"), mon, nonNilChecks(checks), strips[uint64(mon.ID)], &u)
	changes, err := a.db.MonitorStateChanges(ctx, mon.ID, 50)
	if err != nil {
		return err
	}
	incidents := make([]fiber.Map, len(changes))
	for i, ch := range changes {
		incidents[i] = fiber.Map{"id": itoa(ch.ID), "kind": ch.Kind, "reason": ch.Reason, "at": ch.At}
	}
	out["stateChanges"] = incidents
	return c.JSON(out)
}

func nonNilChecks(c []analytics.MonitorCheck) []analytics.MonitorCheck {
	if c == nil {
		return []analytics.MonitorCheck{}
	}
	return c
}

func (a *API) monitorInput(c *fiber.Ctx, orgID int64, mon *metadata.Monitor) error {
	var in monitorInput
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with monitorType, name, url and interval")
	}
	projects, err := a.db.ListProjects(c.Context(), orgID)
	if err != nil {
		return err
	}
	inOrg := func(id int64) bool {
		for _, p := range projects {
			if p.ID == id {
				return true
			}
		}
		return false
	}
	if err := in.toMonitor(mon, inOrg, a.checkHost); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	return nil
}

// createMonitor adds an uptime monitor; cron monitors come from check-ins.
func (a *API) createMonitor(c *fiber.Ctx) error {
	m, err := a.orgAllowing(c, "project:write")
	if err != nil {
		return err
	}
	mon := metadata.Monitor{OrgID: m.OrgID}
	if err := a.monitorInput(c, m.OrgID, &mon); err != nil {
		return err
	}
	created, err := a.db.CreateMonitor(c.Context(), mon)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a.monitorJSON(c.Params("org"), created, []analytics.MonitorCheck{}, nil, nil))
}

// updateMonitor replaces an uptime monitor's settings, or changes a cron
// monitor's name, pause and schedule (which its SDK may also send).
func (a *API) updateMonitor(c *fiber.Ctx) error {
	m, mon, err := a.loadMonitor(c, "project:write")
	if err != nil {
		return err
	}
	if mon.Kind == "cron" {
		if err := cronInput(c.Body(), &mon); err != nil {
			return fiber.NewError(fiber.StatusBadRequest, err.Error())
		}
	} else if err := a.monitorInput(c, m.OrgID, &mon); err != nil {
		return err
	}
	updated, err := a.db.UpdateMonitor(c.Context(), mon)
	if errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "monitor not found")
	}
	if err != nil {
		return err
	}
	return c.JSON(a.monitorJSON(c.Params("org"), updated, nil, nil, nil))
}

func (a *API) deleteMonitor(c *fiber.Ctx) error {
	m, mon, err := a.loadMonitor(c, "project:write")
	if err != nil {
		return err
	}
	if err := a.db.DeleteMonitor(c.Context(), m.OrgID, mon.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// monitorChecks pages through a monitor's checks, newest first.
func (a *API) monitorChecks(c *fiber.Ctx) error {
	_, mon, err := a.loadMonitor(c, "org:read")
	if err != nil {
		return err
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	checks, err := a.events.RecentChecks(c.Context(), uint64(mon.ID), pg.limit+1, pg.offset)
	if err != nil {
		return err
	}
	checks = trimPage(c, pg, checks)
	out := make([]checkJSON, len(checks))
	for i, ch := range checks {
		out[i] = newCheckJSON(ch)
	}
	return c.JSON(out)
}

// monitorStats answers uptime and response-time percentiles over
// statsPeriod, with the buckets of a chart (interval, default 1h).
func (a *API) monitorStats(c *fiber.Ctx) error {
	_, mon, err := a.loadMonitor(c, "org:read")
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
	since := time.Now().Add(-period)
	uptime, err := a.events.MonitorUptime(c.Context(), []uint64{uint64(mon.ID)}, since)
	if err != nil {
		return err
	}
	strips, err := a.events.MonitorStrips(c.Context(), []uint64{uint64(mon.ID)}, since.Truncate(step), step)
	if err != nil {
		return err
	}
	u := uptime[uint64(mon.ID)]
	if u.Checks == 0 {
		u.UptimePct = 100
	}
	series := make([]fiber.Map, 0)
	for _, b := range strips[uint64(mon.ID)] {
		series = append(series, fiber.Map{"start": b.Start.Unix(), "checks": b.Checks, "down": b.Down, "avgResponseTime": b.AvgMS})
	}
	return c.JSON(fiber.Map{"checks": u.Checks, "up": u.Up, "uptimePercent": u.UptimePct,
		"responseTime": fiber.Map{"p50": u.P50, "p95": u.P95, "p99": u.P99}, "series": series})
}

// cronCheckIns answers a cron monitor's runs, newest first (Sentry's
// monitor check-ins route).
func (a *API) cronCheckIns(c *fiber.Ctx) error {
	_, mon, err := a.loadMonitor(c, "org:read")
	if err != nil {
		return err
	}
	period, err := a.periodParam(c, "14d")
	if err != nil {
		return err
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	runs, err := a.db.CronCheckIns(c.Context(), mon.ID, time.Now().Add(-period), min(pg.limit, maxPageSize))
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(runs))
	for i, r := range runs {
		out[i] = fiber.Map{"id": itoa(r.ID), "checkInId": r.CheckInID, "status": r.Status, "dateCreated": r.Started,
			"dateFinished": r.Finished, "duration": r.DurationMS, "environment": r.Environment}
	}
	return c.JSON(out)
}

// heartbeat is the secret URL a heartbeat monitor's job calls; it needs
// no account: the endpoint id is the secret.
func (a *API) heartbeat(c *fiber.Ctx) error {
	_, err := a.db.RecordHeartbeat(c.Context(), c.Params("endpoint_id"))
	if errors.Is(err, metadata.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no heartbeat monitor has this endpoint")
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"ok": true})
}

// checkHost refuses monitor and webhook targets the outbound checks would
// refuse, so a user hears of it when saving.
func (a *API) checkHost(host string) error {
	if a.opts.MonitorHostCheck == nil {
		return nil
	}
	return a.opts.MonitorHostCheck(host)
}
