package event

import (
	"testing"
)

func TestParseSpansNormalizes(t *testing.T) {
	span := func(id, status string, segment bool, sdk string) string {
		return `{"trace_id":"0123456789abcdef0123456789abcdef","span_id":"` + id + `","name":"GET /a","status":"` + status + `",
			"is_segment":` + map[bool]string{true: "true", false: "false"}[segment] + `,
			"start_timestamp":1795303252.0,"end_timestamp":1795303253.0,
			"attributes":{"sentry.sdk.name":{"type":"string","value":"` + sdk + `"}}}`
	}
	cases := []struct {
		name, item               string
		wantStatus, wantPlatform string
	}{
		{"segment without status", span("a", "", true, "sentry.javascript.node"), "unknown", "javascript"},
		{"segment with status", span("a", "ok", true, "sentry.javascript.browser"), "ok", "javascript"},
		{"child without status", span("b", "", false, "sentry.javascript.node"), "", "javascript"},
		{"other SDK", span("a", "error", true, "sentry.python"), "error", "other"},
		{"no SDK name", span("a", "", true, ""), "unknown", "other"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spans, err := ParseSpans([]byte(`{"items":[`+tc.item+`]}`), Meta{Received: received})
			if err != nil {
				t.Fatal(err)
			}
			if len(spans) != 1 {
				t.Fatalf("%d spans, want 1", len(spans))
			}
			if s := spans[0]; s.Status != tc.wantStatus || s.Platform != tc.wantPlatform {
				t.Errorf("status, platform = %q, %q; want %q, %q", s.Status, s.Platform, tc.wantStatus, tc.wantPlatform)
			}
		})
	}
}
