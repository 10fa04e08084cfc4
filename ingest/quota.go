package ingest

import (
	"context"
	"fmt"
	"sync"
	"time"
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

// take admits the categories of u whose quantities fit the organization's
// quotas and counts them as used; it returns the refused categories with
// why, and undo, which gives back what it counted (when a rate limit then
// refuses the request). A category is all or nothing.
func (qc *quotaCache) take(ctx context.Context, orgID int64, u usage, now time.Time) (refused map[string]refusal, undo func(), err error) {
	qc.mu.Lock()
	e := qc.entries[orgID]
	qc.mu.Unlock()
	if e == nil || now.Sub(e.fetched) > 30*time.Second {
		q, err := qc.src.Quota(ctx, orgID)
		if err != nil {
			return nil, func() {}, err // quotas are not worth refusing events over
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
	refused = map[string]refusal{}
	for category, a := range u {
		if r, ok := e.check(category, int64(a.quantity), now); !ok {
			refused[category] = r
		}
	}
	taken := usage{}
	for category, a := range u {
		if _, no := refused[category]; !no {
			e.local[category] += int64(a.quantity)
			taken[category] = a
		}
	}
	return refused, func() {
		qc.mu.Lock()
		defer qc.mu.Unlock()
		for category, a := range taken {
			e.local[category] = max(0, e.local[category]-int64(a.quantity))
		}
	}, nil
}

// check says whether n more of category fit the quota, and if not why.
// The caller holds the cache's lock.
func (e *quotaEntry) check(category string, n int64, now time.Time) (refusal, bool) {
	local := e.local[category]
	if limit, set := e.q.Monthly[category]; set && int64(e.q.Month[category])+local+n > limit {
		next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		return refusal{category: category, scope: "organization", reason: "usage_exceeded", wait: next.Sub(now),
			msg: fmt.Sprintf("the organization's monthly quota of %d %s is used up", limit, quantityName(category))}, false
	}
	if e.q.SpikeProtection {
		ceiling := max(float64(SpikeFloor), SpikeFactor*e.q.HourAvg[category])
		if float64(int64(e.q.Hour[category])+local+n) > ceiling {
			return refusal{category: category, scope: "organization", reason: "spike_protection", wait: now.Truncate(time.Hour).Add(time.Hour).Sub(now),
				msg: fmt.Sprintf("spike protection: more than %.0f %s this hour, %d times the usual", ceiling, quantityName(category), SpikeFactor)}, false
		}
	}
	return refusal{}, true
}

// quantityName names what a category's quantities count, for messages:
// "error items", "attachment bytes".
func quantityName(category string) string {
	if category == "attachment" {
		return "attachment bytes"
	}
	return category + " items"
}
