package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// A deployment's service user, token, organization, team, project and alert
// come from a file whose secrets live in environment variables and files;
// applying it twice changes nothing and prints no secret.
func TestProvisionFile(t *testing.T) {
	t.Setenv("FAULTLINE_DATABASE_URL", metadatatest.URL(t))
	t.Setenv("FAULTLINE_CLICKHOUSE_URL", analyticstest.URL(t))
	token := "flt_provisioned_" + metadatatest.Slug("token") + "_0123456789abcdef0123456789"
	const password = "service-password-42"
	t.Setenv("CI_TOKEN", token)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "password"), []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	org, user := metadatatest.Slug("acme"), metadatatest.Slug("ci")+"@acme.example"
	file := filepath.Join(dir, "faultline.yaml")
	yaml := `users:
  - email: ` + user + `
    passwordFile: ` + filepath.Join(dir, "password") + `
organizations:
  - slug: ` + org + `
    name: Acme Inc.
    retentionDays: 30
    teams: [{slug: backend, name: Backend}]
    projects:
      - slug: api
        name: API
        platform: go
        teams: [backend]
        alerts:
          - name: New problems
            triggers: [new_issue]
            recipients: [{type: email, url: oncall@acme.example}]
    members:
      - email: ` + user + `
        role: admin
        teams: [backend]
tokens:
  - user: ` + user + `
    name: deploys
    scopes: [org:read, project:read, project:write, event:read]
    valueEnv: CI_TOKEN
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	apply := func() string {
		var out, errs bytes.Buffer
		if code := run(context.Background(), []string{"provision", "--file", file}, &out, &errs); code != 0 {
			t.Fatalf("provision: exit %d: %s", code, errs.String())
		}
		if strings.Contains(out.String()+errs.String(), token) || strings.Contains(out.String()+errs.String(), password) {
			t.Errorf("provision printed a secret:\n%s%s", out.String(), errs.String())
		}
		return out.String()
	}
	first := apply()
	for _, want := range []string{"organizations created: 1", "projects created: 1", "teams created: 1", "tokens created: 1", "users created: 1", "alerts created: 1"} {
		if !strings.Contains(first, want) {
			t.Errorf("first run lacks %q:\n%s", want, first)
		}
	}
	if second := apply(); strings.Contains(second, "created") || !strings.Contains(second, "tokens updated: 1") {
		t.Errorf("second run:\n%s", second)
	}

	srv := testServer(t)
	api := apiClient{t: t, base: "http://" + srv.addr, token: token}
	var projects []struct{ Slug, Platform string }
	if code := api.get("/api/0/organizations/"+org+"/projects/", &projects); code != http.StatusOK || len(projects) != 1 || projects[0].Platform != "go" {
		t.Errorf("projects with the provisioned token: %d %+v", code, projects)
	}
	var alerts []struct{ Name string }
	api.get("/api/0/projects/"+org+"/api/alerts/", &alerts)
	if len(alerts) != 1 || alerts[0].Name != "New problems" {
		t.Errorf("alerts %+v", alerts)
	}
	b := newBrowser(t, srv)
	if resp, body := b.do("POST", "/api/0/auth/login/", `{"email":"`+user+`","password":"`+password+`"}`, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("login with the provisioned password: %d %s", resp.StatusCode, body)
	}

	t.Setenv("CI_TOKEN", "")
	var errs bytes.Buffer
	if code := run(context.Background(), []string{"provision", "--file", file}, &bytes.Buffer{}, &errs); code != 1 || !strings.Contains(errs.String(), "CI_TOKEN is not set") {
		t.Errorf("a missing secret: exit %d, %s", code, errs.String())
	}
}

// A provisioning file with a bad alert rule is refused as the API would
// refuse the rule, naming the rule and the problem; a negative quantity is
// not quietly made 1.
func TestProvisionFileRefusesABadAlertRule(t *testing.T) {
	t.Setenv("FAULTLINE_DATABASE_URL", metadatatest.URL(t))
	t.Setenv("FAULTLINE_CLICKHOUSE_URL", analyticstest.URL(t))
	org := metadatatest.Slug("badalert")
	file := filepath.Join(t.TempDir(), "faultline.yaml")
	yaml := `organizations:
  - slug: ` + org + `
    projects:
      - slug: api
        alerts:
          - name: Too many
            triggers: [frequency]
            quantity: -3
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	var errs bytes.Buffer
	code := run(context.Background(), []string{"provision", "--file", file}, &bytes.Buffer{}, &errs)
	if code != 1 || !strings.Contains(errs.String(), `alert "Too many": quantity: from 1 to 1000000000, not -3`) {
		t.Errorf("provisioning a bad rule: exit %d, %s", code, errs.String())
	}
}
