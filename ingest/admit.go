package ingest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// usage is what a request asks to store, per data category (as itemCategory
// names them): how many items, and the quantity they count for in quotas
// and outcomes, which is bytes for attachments, as Sentry counts them, and
// the number of items otherwise.
type usage map[string]amount

type amount struct{ items, quantity int }

func (u usage) add(category string, quantity int) {
	a := u[category]
	u[category] = amount{a.items + 1, a.quantity + quantity}
}

// refusal is why a category's items are not admitted: what
// X-Sentry-Rate-Limits says of it and the outcome's reason.
type refusal struct {
	category string // empty: every category
	scope    string // key, organization
	reason   string // key_quota, org_quota, usage_exceeded, spike_protection
	wait     time.Duration
	msg      string
}

// allCategories are the categories a key's or an organization's rate limit
// stops, as SDKs name them in X-Sentry-Rate-Limits.
const allCategories = "error;default;security;transaction;attachment;session;monitor;span;feedback;user_report"

// header is the refusal as one X-Sentry-Rate-Limits entry:
// retry_after:categories:scope:reason_code.
func (r refusal) header() string {
	categories := allCategories
	switch r.category {
	case "":
	case "user_report_v2": // what SDKs call the category of user_report and feedback items
		categories = "feedback;user_report"
	default:
		categories = r.category
	}
	return fmt.Sprintf("%d:%s:%s:%s", seconds(r.wait), categories, r.scope, r.reason)
}

func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// admit applies the organization's quotas, then the key's and the
// organization's rate limits, to what a request asks to store. Limits and
// quotas are counted per ingest process.
//
// A key's (and an organization's) rate limit counts items of every
// category against one budget: N items per window, whatever they are, so
// attachments, sessions or check-ins cannot get past a limit that events
// cannot. Attachments count one item each there; quotas, which are per
// category, count them in bytes. Categories over quota are refused and the
// rest admitted; admit returns the refused categories, and answers 429
// (with Retry-After and X-Sentry-Rate-Limits) when nothing is admitted.
// Every refused item is counted as a rate_limited outcome.
func (h *Handler) admit(c *fiber.Ctx, publicKey string, k Key, u usage) (map[string]refusal, error) {
	if len(u) == 0 {
		return nil, nil
	}
	now := time.Now()
	refused := map[string]refusal{}
	undoQuota := func() {}
	if h.quotas != nil {
		var err error
		refused, undoQuota, err = h.quotas.take(c.UserContext(), k.OrgID, u, now)
		if err != nil {
			h.log.Warn("quota lookup failed; admitting", "org", k.OrgID, "err", err)
		}
	}
	n := 0 // items of the categories the quotas admit
	for category, a := range u {
		if _, no := refused[category]; !no {
			n += a.items
		}
	}
	if n == 0 {
		return nil, h.refuse(c, k, u, refused, refusal{})
	}
	if k.RateWindow > 0 {
		if ok, wait := h.rates.take("key:"+publicKey, k.RateLimit, k.RateWindow, n, now); !ok {
			undoQuota()
			return nil, h.refuse(c, k, u, refused, refusal{scope: "key", reason: "key_quota", wait: wait,
				msg: fmt.Sprintf("DSN key rate limit of %d items per %s reached", k.RateLimit, k.RateWindow)})
		}
	}
	if k.OrgRateWindow > 0 {
		if ok, wait := h.rates.take(fmt.Sprintf("org:%d", k.OrgID), k.OrgRateLimit, k.OrgRateWindow, n, now); !ok {
			undoQuota()
			if k.RateWindow > 0 {
				h.rates.give("key:"+publicKey, k.RateWindow, n, now)
			}
			return nil, h.refuse(c, k, u, refused, refusal{scope: "organization", reason: "org_quota", wait: wait,
				msg: fmt.Sprintf("organization rate limit of %d items per %s reached", k.OrgRateLimit, k.OrgRateWindow)})
		}
	}
	if len(refused) > 0 {
		h.countRefused(k, u, refused, refusal{})
		c.Set("X-Sentry-Rate-Limits", rateLimitsHeader(refused, refusal{}))
	}
	return refused, nil
}

// refuse answers a request of which nothing is admitted: 429 with
// Retry-After (the longest wait) and X-Sentry-Rate-Limits naming each
// refusal; limit, when it has a reason, refused every category.
func (h *Handler) refuse(c *fiber.Ctx, k Key, u usage, refused map[string]refusal, limit refusal) error {
	h.countRefused(k, u, refused, limit)
	wait, msg := limit.wait, limit.msg
	if limit.reason == "" {
		for _, category := range slices.Sorted(maps.Keys(refused)) {
			if r := refused[category]; msg == "" || r.wait > wait {
				wait, msg = r.wait, r.msg
			}
		}
	}
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(seconds(wait)))
	c.Set("X-Sentry-Rate-Limits", rateLimitsHeader(refused, limit))
	return fiber.NewError(fiber.StatusTooManyRequests, fmt.Sprintf("%s; retry in %d s", msg, seconds(wait)))
}

// countRefused counts the refused items as rate limited, each category
// with the reason that refused it.
func (h *Handler) countRefused(k Key, u usage, refused map[string]refusal, limit refusal) {
	for category, a := range u {
		if r, ok := refused[category]; ok {
			h.outcomes.Add(k.ProjectID, category, "rate_limited", r.reason, a.quantity)
		} else if limit.reason != "" {
			h.outcomes.Add(k.ProjectID, category, "rate_limited", limit.reason, a.quantity)
		}
	}
}

// rateLimitsHeader is X-Sentry-Rate-Limits for the refusals: the limit
// that refused every category first, when there is one.
func rateLimitsHeader(refused map[string]refusal, limit refusal) string {
	var entries []string
	if limit.reason != "" {
		entries = append(entries, limit.header())
	}
	for _, category := range slices.Sorted(maps.Keys(refused)) {
		entries = append(entries, refused[category].header())
	}
	return strings.Join(entries, ", ")
}
