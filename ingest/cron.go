package ingest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/gofiber/fiber/v2"
)

// cronCheckIn is Sentry's HTTP check-in endpoint,
// /api/{project_id}/cron/{monitor_slug}/{key}/?status=ok, for jobs that
// have no SDK: curl at the start (status=in_progress) and at the end (ok
// or error). A POST may carry the check-in as JSON, with a monitor_config
// that creates or updates the monitor. It becomes the same check_in record
// an envelope item would.
func (h *Handler) cronCheckIn(c *fiber.Ctx) error {
	allowOrigin(c)
	key := c.Params("key")
	if key == "" {
		key = requestKey(c)
	}
	var pathProject int64
	if c.Params("project_id") != "0" { // Sentry's older form, /api/0/cron/…, names the project by the key alone
		var err error
		if pathProject, err = projectParam(c); err != nil {
			return err
		}
	} else if k, err := h.keys.get(c.UserContext(), key); err == nil && !k.unknown {
		pathProject = k.ProjectID
	}
	k, err := h.authorize(c, key, pathProject)
	if err != nil {
		return err
	}
	checkIn := map[string]any{}
	if c.Method() == fiber.MethodPost && len(c.Request().Body()) > 0 {
		body, err := h.body(c)
		if err != nil {
			return err
		}
		if len(body) > 64<<10 {
			return fiber.NewError(fiber.StatusRequestEntityTooLarge, "a check-in is at most 64 KiB")
		}
		if err := json.Unmarshal(body, &checkIn); err != nil {
			return fiber.NewError(fiber.StatusBadRequest, "the body must be a JSON check-in, e.g. {\"status\":\"ok\"}")
		}
	}
	checkIn["monitor_slug"] = c.Params("slug")
	for _, field := range []string{"status", "check_in_id", "environment", "release"} {
		if v := c.Query(field); v != "" {
			checkIn[field] = v
		}
	}
	if v := c.Query("duration"); v != "" {
		d, err := strconv.ParseFloat(v, 64)
		if err != nil || d < 0 {
			return fiber.NewError(fiber.StatusBadRequest, "duration: seconds, e.g. duration=12.5")
		}
		checkIn["duration"] = d
	}
	if s, _ := checkIn["status"].(string); s == "" {
		checkIn["status"] = "ok"
	}
	payload, _ := json.Marshal(checkIn)
	parsed, err := event.ParseCheckIn(payload)
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, strings.Replace(err.Error(), "check_in ", "check-in ", 1))
	}
	if _, err := event.ParseMonitorConfig(parsed.MonitorConfig); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	if _, err := h.admit(c, key, k, usage{"monitor": {1, 1}}); err != nil {
		return err
	}
	id, err := resolveEventID("")
	if err != nil {
		return err
	}
	rec := queue.Record{ProjectID: k.ProjectID, EventID: id, ItemType: "check_in", Received: time.Now().UTC(), Payload: payload}
	if err := h.produce(c.UserContext(), []outgoing{counted(rec)}); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"id": id, "monitor": fmt.Sprint(checkIn["monitor_slug"])})
}
