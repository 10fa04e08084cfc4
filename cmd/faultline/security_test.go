package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// Browsers' CSP reports, in both formats, become issues grouped by directive
// and blocked host.
func TestSecurityReports(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	url := fmt.Sprintf("http://%s/api/%d/security/?sentry_key=%s&sentry_environment=prod", srv.addr, proj.ProjectID, proj.PublicKey)
	classic := func(doc, blocked string) string {
		return `{"csp-report":{"document-uri":"` + doc + `","referrer":"","violated-directive":"script-src-elem",
			"effective-directive":"script-src-elem","original-policy":"script-src 'self'","disposition":"enforce",
			"blocked-uri":"` + blocked + `","status-code":200}}`
	}
	reportingAPI := `[{"type":"csp-violation","age":10,"url":"https://shop.example.com/cart","user_agent":"Mozilla/5.0",
		"body":{"documentURL":"https://shop.example.com/cart","effectiveDirective":"script-src-elem",
		"blockedURL":"https://evil.example.net/x.js","originalPolicy":"script-src 'self'","disposition":"enforce"}},
		{"type":"deprecation","body":{"id":"x"}}]`
	cases := []struct {
		contentType, body string
		status            int
	}{
		{"application/csp-report", classic("https://shop.example.com/", "https://evil.example.net/a.js"), 200},
		{"application/csp-report", classic("https://shop.example.com/account", "https://evil.example.net/b.js?v=2"), 200},
		{"application/csp-report", classic("https://shop.example.com/", "https://ads.example.org/ad.js"), 200},
		{"application/reports+json", reportingAPI, 200},
		{"application/expect-ct-report+json", `{"expect-ct-report":{"hostname":"shop.example.com"}}`, 200},
		{"application/csp-report", `{"something":"else"}`, 400},
		{"application/csp-report", `not json`, 400},
	}
	for _, tc := range cases {
		resp, err := http.Post(url, tc.contentType, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %.40s: %d %s, want %d", tc.contentType, tc.body, resp.StatusCode, body, tc.status)
		}
	}
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	issues := waitForCount(t, api, proj.Organization, proj.Project, 4)
	counts := map[string]string{}
	for _, is := range issues {
		counts[is.Title] = is.Count
	}
	if counts["Blocked 'script' from 'evil.example.net'"] != "3" || counts["Blocked 'script' from 'ads.example.org'"] != "1" || len(counts) != 2 {
		t.Fatalf("issues %v; want evil.example.net ×3 and ads.example.org ×1", counts)
	}
}
