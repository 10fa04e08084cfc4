package metadata_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata"
)

func TestAlertRuleValidate(t *testing.T) {
	good := func() metadata.AlertRule {
		return metadata.AlertRule{Name: "New problems", Triggers: []string{"new_issue"}, TimespanMin: 1, Quantity: 1,
			UsersQuantity: 1, IntervalMin: 60, Enabled: true,
			Recipients: []metadata.AlertRecipient{{Kind: "email"}, {Kind: "webhook", URL: "https://hooks.example.com/x"}}}
	}
	cases := []struct {
		name   string
		change func(*metadata.AlertRule)
		want   string // empty: valid
	}{
		{"a good rule", func(*metadata.AlertRule) {}, ""},
		{"an email recipient with an address", func(r *metadata.AlertRule) {
			r.Recipients = []metadata.AlertRecipient{{Kind: "email", URL: "Ops <ops@example.com>"}}
		}, ""},
		{"no interval", func(r *metadata.AlertRule) { r.IntervalMin = 0 }, ""},
		{"a slow transaction rule", func(r *metadata.AlertRule) {
			r.Triggers, r.Transaction, r.P95MS = []string{"slow_transaction"}, "GET /", 250
		}, ""},
		{"a crash-free rule", func(r *metadata.AlertRule) { r.Triggers, r.CrashFreeBelow = []string{"crash_free_rate"}, 99.5 }, ""},
		{"a crash-free rule without threshold", func(r *metadata.AlertRule) { r.Triggers = []string{"crash_free_rate"} },
			"crash_free_rate needs crashFreeThreshold"},
		{"a crash-free threshold past 100%", func(r *metadata.AlertRule) { r.Triggers, r.CrashFreeBelow = []string{"crash_free_rate"}, 100.5 },
			"crash_free_rate needs crashFreeThreshold"},
		{"crash-free and slow on one rule", func(r *metadata.AlertRule) {
			r.Triggers, r.CrashFreeBelow, r.Transaction, r.P95MS = []string{"crash_free_rate", "slow_transaction"}, 99, "GET /", 250
		}, ""},
		{"no name", func(r *metadata.AlertRule) { r.Name = "  " }, "name: a rule needs a name"},
		{"a long name", func(r *metadata.AlertRule) { r.Name = strings.Repeat("a", 201) }, "name: at most 200"},
		{"timespan zero", func(r *metadata.AlertRule) { r.TimespanMin = 0 }, "timespanMinutes: from 1 to 1440, not 0"},
		{"timespan over a day", func(r *metadata.AlertRule) { r.TimespanMin = 1441 }, "timespanMinutes"},
		{"quantity zero", func(r *metadata.AlertRule) { r.Quantity = 0 }, "quantity: from 1"},
		{"quantity past an integer", func(r *metadata.AlertRule) { r.Quantity = metadata.MaxAlertQuantity + 1 }, "quantity"},
		{"users quantity zero", func(r *metadata.AlertRule) { r.UsersQuantity = 0 }, "usersQuantity"},
		{"negative interval", func(r *metadata.AlertRule) { r.IntervalMin = -1 }, "intervalMinutes"},
		{"interval past a week", func(r *metadata.AlertRule) { r.IntervalMin = 10081 }, "intervalMinutes"},
		{"no trigger", func(r *metadata.AlertRule) { r.Triggers = nil }, "triggers: name at least one"},
		{"unknown trigger", func(r *metadata.AlertRule) { r.Triggers = []string{"new_issue", "sometimes"} }, `"sometimes" is not one of`},
		{"slow transaction without a name", func(r *metadata.AlertRule) {
			r.Triggers, r.P95MS = []string{"slow_transaction"}, 250
		}, "slow_transaction needs transaction"},
		{"slow transaction without a threshold", func(r *metadata.AlertRule) {
			r.Triggers, r.Transaction = []string{"slow_transaction"}, "GET /"
		}, "p95Threshold"},
		{"a bad email", func(r *metadata.AlertRule) {
			r.Recipients = []metadata.AlertRecipient{{Kind: "email", URL: "not mail"}}
		}, "recipient 1 (email): url: an email address"},
		{"a webhook to nowhere", func(r *metadata.AlertRule) { r.Recipients[1].URL = "hooks.example.com" }, "recipient 2 (webhook): url: an http(s) URL"},
		{"a slack URL of another scheme", func(r *metadata.AlertRule) {
			r.Recipients = []metadata.AlertRecipient{{Kind: "slack", URL: "ftp://hooks.slack.com/x"}}
		}, "recipient 1 (slack): url: an http(s) URL"},
		{"an unknown recipient type", func(r *metadata.AlertRule) {
			r.Recipients = []metadata.AlertRecipient{{Kind: "pager", URL: "https://x.example"}}
		}, `"pager" is not a recipient type`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.change(&r)
			err := r.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused a valid rule: %v", err)
				}
				return
			}
			var invalid *metadata.InvalidError
			if !errors.As(err, &invalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an InvalidError containing %q", err, tc.want)
			}
		})
	}
}
