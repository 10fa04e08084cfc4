package alerts_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/frontend/alerts"
	"github.com/faultline/faultline/frontend/alerts/alertstest"
	"github.com/faultline/faultline/metadata"
)

func rule(recipients ...metadata.AlertRecipient) metadata.AlertRule {
	return metadata.AlertRule{ProjectID: 1, Name: "errors", Triggers: []string{"frequency"}, TimespanMin: 1, Quantity: 1,
		UsersQuantity: 1, IntervalMin: 60, Enabled: true, Recipients: recipients}
}

func TestSaveJudgesRecipients(t *testing.T) {
	var hosts []string
	checkHost := func(host string) error {
		hosts = append(hosts, host)
		if host == "10.0.0.1" {
			return errors.New("private address")
		}
		return nil
	}
	cases := []struct {
		name      string
		rule      metadata.AlertRule
		wantErr   string // "" when the rule is saved
		wantHosts []string
		lookups   []string
	}{
		{name: "webhook to a public host", rule: rule(metadata.AlertRecipient{Kind: "webhook", URL: "https://hooks.example.com:8443/x"}),
			wantHosts: []string{"hooks.example.com"}},
		{name: "slack to a private host", rule: rule(metadata.AlertRecipient{Kind: "slack", URL: "http://10.0.0.1/x"}),
			wantErr: "recipient 1 (slack): url: private address", wantHosts: []string{"10.0.0.1"}},
		{name: "a member's address, with a display name", rule: rule(metadata.AlertRecipient{Kind: "email", URL: "Ann <ann@example.com>"}),
			lookups: []string{"ann@example.com"}},
		{name: "every member", rule: rule(metadata.AlertRecipient{Kind: "email"})},
		{name: "a stranger's address", rule: rule(metadata.AlertRecipient{Kind: "email"}, metadata.AlertRecipient{Kind: "email", URL: "bob@example.com"}),
			wantErr: "recipient 2 (email): bob@example.com is not a member", lookups: []string{"bob@example.com"}},
		// Validate runs first: a rule it refuses reaches neither check.
		{name: "invalid rule", rule: func() metadata.AlertRule {
			r := rule(metadata.AlertRecipient{Kind: "webhook", URL: "https://10.0.0.1/"}, metadata.AlertRecipient{Kind: "email", URL: "bob@example.com"})
			r.Quantity = 0
			return r
		}(), wantErr: "quantity: from 1 to"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hosts = nil
			store := &alertstest.Store{Members: []string{"ann@example.com"}}
			_, err := alerts.New(store, store, checkHost).Save(context.Background(), tc.rule)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Save: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Save: %v, want %q", err, tc.wantErr)
			}
			if saved := len(store.Saved) == 1; saved != (tc.wantErr == "") {
				t.Errorf("saved %+v", store.Saved)
			}
			if !slices.Equal(hosts, tc.wantHosts) || !slices.Equal(store.Lookups, tc.lookups) {
				t.Errorf("checked hosts %q and addresses %q, want %q and %q", hosts, store.Lookups, tc.wantHosts, tc.lookups)
			}
		})
	}
}

func TestSaveWithoutHostCheck(t *testing.T) {
	store := &alertstest.Store{}
	if _, err := alerts.New(store, store, nil).Save(context.Background(), rule(metadata.AlertRecipient{Kind: "webhook", URL: "http://10.0.0.1/"})); err != nil {
		t.Errorf("no host check refused a host: %v", err)
	}
}

func TestUnknownRules(t *testing.T) {
	store := &alertstest.Store{Rules: []metadata.AlertRule{rule()}}
	store.Rules[0].ID = 1
	svc := alerts.New(store, store, nil)
	ctx := context.Background()
	var missing interface{ Missing() bool }
	other := rule()
	other.ID, other.ProjectID = 1, 2
	if _, err := svc.Save(ctx, other); !errors.As(err, &missing) || !missing.Missing() {
		t.Errorf("saving another project's rule: %v, want a NotFoundError", err)
	}
	if err := svc.Delete(ctx, 2, 1); !errors.As(err, &missing) {
		t.Errorf("deleting another project's rule: %v, want a NotFoundError", err)
	}
	if _, err := svc.Test(ctx, 2, 1, func(metadata.AlertRule) metadata.Alert { return metadata.Alert{} }); !errors.As(err, &missing) {
		t.Errorf("testing another project's rule: %v, want a NotFoundError", err)
	}
	if store.Changed() {
		t.Errorf("changed: saved %+v, deleted %v, fired %+v", store.Saved, store.Deleted, store.Fired)
	}
}
