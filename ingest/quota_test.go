package ingest

import (
	"context"
	"testing"
	"time"
)

type fixedQuota Quota

func (f fixedQuota) Quota(context.Context, int64) (Quota, error) { return Quota(f), nil }

func TestQuotaCache(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		q        Quota
		category string
		n        int
		reason   string // "" when admitted
		wait     time.Duration
	}{
		{"no quota", Quota{}, "error", 1_000_000, "", 0},
		{"under the month's quota", Quota{Monthly: map[string]int64{"error": 100}, Month: map[string]uint64{"error": 90}}, "error", 10, "", 0},
		{"over the month's quota", Quota{Monthly: map[string]int64{"error": 100}, Month: map[string]uint64{"error": 90}}, "error", 11, "usage_exceeded",
			time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Sub(now)},
		{"another category is free", Quota{Monthly: map[string]int64{"error": 100}, Month: map[string]uint64{"error": 100}}, "transaction", 5, "", 0},
		{"a zero quota refuses all", Quota{Monthly: map[string]int64{"attachment": 0}}, "attachment", 1, "usage_exceeded", 0},
		{"a usual hour", Quota{SpikeProtection: true, Hour: map[string]uint64{"error": 1500}, HourAvg: map[string]float64{"error": 200}}, "error", 10, "", 0},
		{"a spike", Quota{SpikeProtection: true, Hour: map[string]uint64{"error": 1995}, HourAvg: map[string]float64{"error": 200}}, "error", 10, "spike_protection", 30 * time.Minute},
		{"the floor spares small projects", Quota{SpikeProtection: true, Hour: map[string]uint64{"error": 900}, HourAvg: map[string]float64{"error": 1}}, "error", 50, "", 0},
	} {
		qc := &quotaCache{src: fixedQuota(tc.q), entries: map[int64]*quotaEntry{}}
		refused, _, err := qc.take(context.Background(), 1, usage{tc.category: {1, tc.n}}, now)
		r, no := refused[tc.category]
		if err != nil || no != (tc.reason != "") || r.reason != tc.reason || (tc.wait != 0 && r.wait != tc.wait) {
			t.Errorf("%s: refused %v (%+v) err %v", tc.name, no, r, err)
		}
	}
	// What this process accepted counts before ClickHouse knows of it.
	qc := &quotaCache{src: fixedQuota(Quota{Monthly: map[string]int64{"error": 3}}), entries: map[int64]*quotaEntry{}}
	for i, want := range []bool{true, true, true, false} {
		if refused, _, _ := qc.take(context.Background(), 1, usage{"error": {1, 1}}, now); (len(refused) == 0) != want {
			t.Errorf("item %d: admitted %v, want %v", i+1, len(refused) == 0, want)
		}
	}
}

// Categories are admitted or refused each on its own, attachments by their
// bytes, and undo gives back what a take counted.
func TestQuotaCacheCategories(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	qc := &quotaCache{src: fixedQuota(Quota{Monthly: map[string]int64{"error": 1, "attachment": 1000}}), entries: map[int64]*quotaEntry{}}
	refused, undo, err := qc.take(context.Background(), 1, usage{"error": {1, 1}, "attachment": {1, 1001}, "session": {5, 5}}, now)
	if err != nil || len(refused) != 1 || refused["attachment"].reason != "usage_exceeded" {
		t.Fatalf("refused %v, err %v; want the attachment's 1001 bytes alone refused", refused, err)
	}
	if refused, _, _ := qc.take(context.Background(), 1, usage{"error": {1, 1}}, now); len(refused) != 1 {
		t.Fatalf("a second error was admitted past a quota of 1")
	}
	undo()
	if refused, _, _ := qc.take(context.Background(), 1, usage{"error": {1, 1}, "attachment": {2, 1000}}, now); len(refused) != 0 {
		t.Fatalf("after undo, refused %v", refused)
	}
}
