package ingest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Quota is an organization's monthly limits per category and what it used.
type Quota struct {
	Monthly         map[string]int64 // limit per category; absent: none
	SpikeProtection bool
	Month, Hour     map[string]uint64  // accepted this month, this hour
	HourAvg         map[string]float64 // accepted per hour over the week before
}

// QuotaSource reads an organization's quota and usage (cmd wires
// PostgreSQL's limits and ClickHouse's outcomes together).
type QuotaSource interface {
	Quota(ctx context.Context, orgID int64) (Quota, error)
}

// Spike protection refuses a category's items for the rest of the hour once
// the hour holds SpikeFactor times the week's average hour, and at least
// SpikeFloor items.
const (
	SpikeFactor = 10
	SpikeFloor  = 1000
)

// quotaCache keeps each organization's quota for 30 s and counts what this
// process accepted since, so a burst is held back before the outcomes reach
// ClickHouse. Like rate limits, it counts per process.
type quotaCache struct {
	src     QuotaSource
	mu      sync.Mutex
	entries map[int64]*quotaEntry
}

type quotaEntry struct {
	q       Quota
	fetched time.Time
	local   map[string]int64
}

// WithQuotas turns monthly quotas and spike protection on.
func (h *Handler) WithQuotas(src QuotaSource) *Handler {
	h.quotas = &quotaCache{src: src, entries: map[int64]*quotaEntry{}}
	return h
}

// take admits n items of category for an organization, or says why not
// and for how long.
func (qc *quotaCache) take(ctx context.Context, orgID int64, category string, n int, now time.Time) (ok bool, reason string, wait time.Duration, msg string, err error) {
	qc.mu.Lock()
	e := qc.entries[orgID]
	qc.mu.Unlock()
	if e == nil || now.Sub(e.fetched) > 30*time.Second {
		q, err := qc.src.Quota(ctx, orgID)
		if err != nil {
			return true, "", 0, "", err // quotas are not worth refusing events over
		}
		e = &quotaEntry{q: q, fetched: now, local: map[string]int64{}}
		qc.mu.Lock()
		if len(qc.entries) > 100_000 {
			qc.entries = map[int64]*quotaEntry{}
		}
		qc.entries[orgID] = e
		qc.mu.Unlock()
	}
	qc.mu.Lock()
	defer qc.mu.Unlock()
	local := e.local[category]
	if limit, set := e.q.Monthly[category]; set && int64(e.q.Month[category])+local+int64(n) > limit {
		next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		return false, "usage_exceeded", next.Sub(now), fmt.Sprintf("the organization's monthly quota of %d %s items is used up", limit, category), nil
	}
	if e.q.SpikeProtection {
		ceiling := max(float64(SpikeFloor), SpikeFactor*e.q.HourAvg[category])
		if float64(int64(e.q.Hour[category])+local+int64(n)) > ceiling {
			return false, "spike_protection", now.Truncate(time.Hour).Add(time.Hour).Sub(now),
				fmt.Sprintf("spike protection: more than %.0f %s items this hour, %d times the usual", ceiling, category, SpikeFactor), nil
		}
	}
	e.local[category] += int64(n)
	return true, "", 0, "", nil
}

// overQuota answers a refused request: 429 with Retry-After and the
// category's X-Sentry-Rate-Limits, and the items counted as rate limited.
func (h *Handler) overQuota(c *fiber.Ctx, k Key, category, reason string, wait time.Duration, n int, msg string) error {
	h.outcomes.Add(k.ProjectID, category, "rate_limited", reason, n)
	secs := int((wait + time.Second - 1) / time.Second)
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	c.Set("X-Sentry-Rate-Limits", fmt.Sprintf("%d:%s:organization:%s", secs, category, reason))
	return fiber.NewError(fiber.StatusTooManyRequests, fmt.Sprintf("%s; retry in %d s", msg, secs))
}
