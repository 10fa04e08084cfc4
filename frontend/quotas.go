package frontend

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"
)

var quotaCategories = map[string]bool{"error": true, "transaction": true, "span": true, "attachment": true, "session": true,
	"security": true, "monitor": true, "user_report_v2": true}

// quotas answers (GET) or replaces (PUT) an organization's monthly quotas
// per category and its spike protection, with this month's usage (of the
// projects the caller sees, when membership is closed).
func (a *API) quotas(c *fiber.Ctx) error {
	scope := "org:read"
	if c.Method() == fiber.MethodPut {
		scope = "org:write"
	}
	m, err := a.orgAllowing(c, scope)
	if err != nil {
		return err
	}
	if c.Method() == fiber.MethodPut {
		var in struct {
			Quotas          map[string]int64 `json:"quotas"`
			SpikeProtection bool             `json:"spikeProtection"`
		}
		if err := json.Unmarshal(c.Body(), &in); err != nil {
			return fiber.NewError(fiber.StatusBadRequest, `send {"quotas": {"error": 1000000, …}, "spikeProtection": true}`)
		}
		for cat := range in.Quotas {
			if !quotaCategories[cat] {
				return fiber.NewError(fiber.StatusBadRequest, "quotas: "+cat+" is not one of error, transaction, span, attachment, session, security, monitor, user_report_v2")
			}
		}
		before, err := a.db.OrgQuotas(c.Context(), m.OrgID)
		if err != nil {
			return err
		}
		if err := a.db.SetOrgQuotas(c.Context(), m.OrgID, in.Quotas, in.SpikeProtection); err != nil {
			return err
		}
		a.audit(c, m.OrgID, "quota.edit", m.OrgID, map[string]any{"quotas": map[string]any{"before": before.Monthly, "after": in.Quotas},
			"spikeProtection": beforeAfter(before.SpikeProtection, in.SpikeProtection)})
	}
	q, err := a.db.OrgQuotas(c.Context(), m.OrgID)
	if err != nil {
		return err
	}
	// A caller who sees only its teams' projects is told their usage
	// only, as stats_v2 tells it: the others' volumes are theirs.
	v, err := a.visibility(c, m)
	if err != nil {
		return err
	}
	ids := make([]uint64, 0, len(q.ProjectIDs))
	for _, id := range q.ProjectIDs {
		if v.Sees(id) {
			ids = append(ids, uint64(id))
		}
	}
	usage, err := a.events.OrgUsage(c.Context(), ids, time.Now())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"quotas": q.Monthly, "spikeProtection": q.SpikeProtection, "usedThisMonth": usage.Month})
}
