package alert

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// firedStore records the alerts an engine fires.
type firedStore struct{ fired []metadata.Alert }

func (f *firedStore) AlertRules(context.Context, int64) ([]metadata.AlertRule, error) {
	return []metadata.AlertRule{{Enabled: true}}, nil
}
func (f *firedStore) FireAlert(_ context.Context, _ metadata.AlertRule, a metadata.Alert) (int64, error) {
	f.fired = append(f.fired, a)
	return int64(len(f.fired)), nil
}
func (f *firedStore) ProjectSlugs(context.Context, int64) (string, string, error) {
	return "acme", "web", nil
}

type crashFreeRules []metadata.AlertRule

func (r crashFreeRules) CrashFreeRules(context.Context) ([]metadata.AlertRule, error) { return r, nil }

// sessionsByProject answers each project's counts and keeps the queries.
type sessionsByProject struct {
	counts map[uint64]analytics.HealthCounts
	asked  []analytics.HealthQuery
}

func (s *sessionsByProject) SessionHealth(_ context.Context, q analytics.HealthQuery) ([]analytics.HealthRow, error) {
	s.asked = append(s.asked, q)
	c, ok := s.counts[q.ProjectIDs[0]]
	if !ok {
		return nil, nil
	}
	return []analytics.HealthRow{{HealthCounts: c}}, nil
}

// A rule fires when enough sessions started in its window and too few
// were crash-free; it asks for its own release, environment and window.
func TestCrashFreeRateRule(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	rule := func(id, project int64, below float64, atLeast int) metadata.AlertRule {
		return metadata.AlertRule{ID: id, ProjectID: project, Triggers: []string{"crash_free_rate"}, CrashFreeBelow: below,
			TimespanMin: 60, Quantity: atLeast, Release: "shop@2.0.0", Environment: "production", Enabled: true}
	}
	rules := crashFreeRules{
		rule(1, 1, 90, 5),   // 8 of 10 crash-free: fires
		rule(2, 2, 90, 5),   // 19 of 20: quiet
		rule(3, 3, 90, 5),   // 3 of 4 crash-free, but fewer sessions than asked: quiet
		rule(4, 4, 99.9, 1), // no sessions: quiet
	}
	sessions := &sessionsByProject{counts: map[uint64]analytics.HealthCounts{
		1: {Sessions: 10, Crashed: 2, Errored: 2},
		2: {Sessions: 20, Crashed: 1, Errored: 1},
		3: {Sessions: 4, Crashed: 1, Errored: 1},
	}}
	store := &firedStore{}
	e := NewEngine(store, nil, EngineConfig{BaseURL: "https://faultline.example"}, nil, quiet)
	e.now = func() time.Time { return now }
	list, err := rules.CrashFreeRules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		e.checkCrashFree(context.Background(), r, sessions)
	}

	if len(store.fired) != 1 {
		t.Fatalf("fired %+v; want rule 1 alone", store.fired)
	}
	a := store.fired[0]
	if a.RuleID != 1 || a.ProjectID != 1 || a.Trigger != "crash_free_rate" || a.Title != "shop@2.0.0: 80.00% crash-free sessions" ||
		a.Body != "2 of 10 sessions crashed over the last 60 minutes: 80.00% crash-free, under the threshold of 90.00%" {
		t.Errorf("alert %+v", a)
	}
	q := sessions.asked[0]
	if fmt.Sprint(q.Releases, q.Environments) != "[shop@2.0.0] [production]" || !q.Start.Equal(now.Add(-time.Hour)) || !q.End.After(now) {
		t.Errorf("asked %+v; want shop@2.0.0 in production over the last hour", q)
	}
}
