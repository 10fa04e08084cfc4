package metadata_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// A plan with a bad alert rule is refused before anything is written, with
// a message that names the rule, its project and what is wrong.
func TestProvisionRefusesABadAlertRule(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	org := metadatatest.Slug("prov")
	plan := metadata.ProvisionPlan{Organizations: []metadata.ProvisionOrg{{Slug: org, Projects: []metadata.ProvisionProject{{
		Slug: "api",
		Alerts: []metadata.AlertRule{
			{Name: "Fine", Triggers: []string{"new_issue"}, TimespanMin: 1, Quantity: 1, UsersQuantity: 1, IntervalMin: 60},
			{Name: "Every minute forever", Triggers: []string{"frequency"}, TimespanMin: 5000, Quantity: 1, UsersQuantity: 1, IntervalMin: 60},
		},
	}}}}}
	_, err := db.Provision(ctx, plan)
	var invalid *metadata.InvalidError
	if !errors.As(err, &invalid) {
		t.Fatalf("Provision = %v, want an InvalidError", err)
	}
	for _, want := range []string{org, "project api", `alert "Every minute forever"`, "timespanMinutes: from 1 to 1440, not 5000"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not say %q", err, want)
		}
	}
	if _, err := db.ProjectID(ctx, org, "api"); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("a refused plan created its project: %v", err)
	}
}

// Whatever the caller, the store refuses to save an invalid rule.
func TestSaveAlertRuleValidates(t *testing.T) {
	db := metadatatest.Open(t)
	p := metadatatest.Project(t, db, "alert-validate")
	_, err := db.SaveAlertRule(context.Background(), metadata.AlertRule{ProjectID: p.ProjectID, Name: "No triggers",
		TimespanMin: 1, Quantity: 1, UsersQuantity: 1})
	var invalid *metadata.InvalidError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "triggers") {
		t.Fatalf("SaveAlertRule = %v, want an InvalidError about triggers", err)
	}
}

// A crash-free rule keeps its threshold, and is listed for the periodic
// check with the other projects' crash-free rules only.
func TestCrashFreeRuleRoundTrip(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	p := metadatatest.Project(t, db, "alert-crashfree")
	saved, err := db.SaveAlertRule(ctx, metadata.AlertRule{ProjectID: p.ProjectID, Name: "Crashes", Triggers: []string{"crash_free_rate"},
		CrashFreeBelow: 99.5, TimespanMin: 60, Quantity: 1, UsersQuantity: 1, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveAlertRule(ctx, metadata.AlertRule{ProjectID: p.ProjectID, Name: "Slow", Triggers: []string{"slow_transaction"},
		Transaction: "GET /", P95MS: 300, TimespanMin: 5, Quantity: 1, UsersQuantity: 1, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	rules, err := db.CrashFreeRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var mine []metadata.AlertRule
	for _, r := range rules {
		if r.ProjectID == p.ProjectID {
			mine = append(mine, r)
		}
	}
	if len(mine) != 1 || mine[0].ID != saved.ID || mine[0].CrashFreeBelow != 99.5 || mine[0].P95MS != 0 {
		t.Fatalf("crash-free rules of the project %+v; want %q below 99.5%%", mine, saved.Name)
	}
}

// One rule watches a slow transaction and the crash-free rate at once, each
// threshold kept apart.
func TestSlowAndCrashFreeOnOneRule(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	p := metadatatest.Project(t, db, "alert-both")
	saved, err := db.SaveAlertRule(ctx, metadata.AlertRule{ProjectID: p.ProjectID, Name: "Both", Triggers: []string{"slow_transaction", "crash_free_rate"},
		Transaction: "GET /", P95MS: 300, CrashFreeBelow: 99.5, TimespanMin: 5, Quantity: 1, UsersQuantity: 1, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := db.AlertRules(ctx, p.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 || rules[0].ID != saved.ID || rules[0].P95MS != 300 || rules[0].CrashFreeBelow != 99.5 {
		t.Fatalf("rules %+v; want one with p95 300 ms and crash-free below 99.5%%", rules)
	}
}
