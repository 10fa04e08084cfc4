package frontend

import (
	"encoding/json"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// registerMonitors mounts the monitor routes on the authenticated API
// group.
func (a *API) registerMonitors(api fiber.Router) {
	api.Get("/organizations/:org/monitors/", a.listMonitors)
	api.Post("/organizations/:org/monitors/", a.createMonitor)
	api.Get("/organizations/:org/monitors/:id/", a.monitor)
	api.Put("/organizations/:org/monitors/:id/", a.updateMonitor)
	api.Delete("/organizations/:org/monitors/:id/", a.deleteMonitor)
	api.Get("/organizations/:org/monitors/:id/checks/", a.monitorChecks)
	api.Get("/organizations/:org/monitors/:id/stats/", a.monitorStats)
	api.Get("/organizations/:org/monitors/:id/checkins/", a.cronCheckIns)
}

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
	v, err := a.visibility(c, m)
	if err != nil {
		return err
	}
	// A monitor of a project the caller does not see is left out; one of
	// no project is the organization's.
	keep := func(mon metadata.Monitor) bool { return mon.ProjectID == nil || v.Sees(*mon.ProjectID) }
	list, err := a.monitors.ListWhere(c.Context(), m.OrgID, keep, pg.limit+1, pg.offset, time.Now())
	if err != nil {
		return err
	}
	list = trimPage(c, pg, list)
	out := make([]map[string]any, len(list))
	for i, mon := range list {
		out[i] = a.monitorJSON(c.Params("org"), mon.Monitor, nil, mon.Strip, mon.Uptime)
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
	mon, err := a.monitors.Find(c.Context(), m.OrgID, c.Params("id"))
	if err != nil {
		return m, mon, err
	}
	if ok, err := a.sees(c, m, mon.ProjectID); err != nil || !ok {
		if err == nil {
			err = fiber.NewError(fiber.StatusNotFound, "monitor not found")
		}
		return m, metadata.Monitor{}, err
	}
	return m, mon, nil
}

// monitor answers one monitor with its latest checks, its last 24 hours
// and its recent state changes.
func (a *API) monitor(c *fiber.Ctx) error {
	_, mon, err := a.loadMonitor(c, "org:read")
	if err != nil {
		return err
	}
	d, err := a.monitors.Detail(c.Context(), mon, time.Now())
	if err != nil {
		return err
	}
	out := a.monitorJSON(c.Params("org"), d.Monitor, d.Checks, d.Strip, d.Uptime)
	incidents := make([]fiber.Map, len(d.Changes))
	for i, ch := range d.Changes {
		incidents[i] = fiber.Map{"id": itoa(ch.ID), "kind": ch.Kind, "reason": ch.Reason, "at": ch.At}
	}
	out["stateChanges"] = incidents
	return c.JSON(out)
}

func (a *API) monitorInput(c *fiber.Ctx, m metadata.Membership, mon *metadata.Monitor) error {
	var in monitorInput
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with monitorType, name, url and interval")
	}
	projects, err := a.visibleProjects(c, m)
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
	if err := a.monitorInput(c, m, &mon); err != nil {
		return err
	}
	created, err := a.monitors.Create(c.Context(), mon)
	if err != nil {
		return err
	}
	a.audit(c, m.OrgID, "monitor.add", created.ID, monitorAudit(created))
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
	} else if err := a.monitorInput(c, m, &mon); err != nil {
		return err
	}
	updated, err := a.monitors.Update(c.Context(), mon)
	if err != nil {
		return err
	}
	a.audit(c, m.OrgID, "monitor.edit", updated.ID, monitorAudit(updated))
	return c.JSON(a.monitorJSON(c.Params("org"), updated, nil, nil, nil))
}

func (a *API) deleteMonitor(c *fiber.Ctx) error {
	m, mon, err := a.loadMonitor(c, "project:write")
	if err != nil {
		return err
	}
	if err := a.monitors.Delete(c.Context(), m.OrgID, mon.ID); err != nil {
		return err
	}
	a.audit(c, m.OrgID, "monitor.remove", mon.ID, map[string]any{"name": mon.Name, "kind": mon.Kind})
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
	checks, err := a.monitors.RecentChecks(c.Context(), mon.ID, pg.limit+1, pg.offset)
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
	st, err := a.monitors.Stats(c.Context(), mon.ID, period, step, time.Now())
	if err != nil {
		return err
	}
	series := make([]fiber.Map, 0, len(st.Buckets))
	for _, b := range st.Buckets {
		series = append(series, fiber.Map{"start": b.Start.Unix(), "checks": b.Checks, "down": b.Down, "avgResponseTime": b.AvgMS})
	}
	return c.JSON(fiber.Map{"checks": st.Checks, "up": st.Up, "uptimePercent": st.UptimePct,
		"responseTime": fiber.Map{"p50": st.P50, "p95": st.P95, "p99": st.P99}, "series": series})
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
	runs, err := a.monitors.CheckIns(c.Context(), mon.ID, time.Now().Add(-period), min(pg.limit, maxPageSize))
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
	if err := a.monitors.Heartbeat(c.Context(), c.Params("endpoint_id")); err != nil {
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
