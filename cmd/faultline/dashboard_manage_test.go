package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// TestManagementInBrowser drives the management screens in headless
// Chromium against a real server (testdata/browser/manage.mjs): a team
// and a project for it, the project renamed with a new Apdex threshold, an
// invitation resent and revoked, a member put in the team, a quota, the
// usage page, two-factor setup from its QR code, a project deleted by
// typing its slug, an organization renamed and deleted, every screen at phone size, and copying a DSN on plain
// http. What the browser did is then checked through the API.
func TestManagementInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	other := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.AddMember(context.Background(), proj.OrganizationID, other.UserID, "member"); err != nil {
		t.Fatal(err)
	}
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	spare := metadatatest.Slug("spare")
	if code := api.call("POST", "/api/0/organizations/", `{"name":"Spare","slug":"`+spare+`"}`, nil); code != http.StatusCreated {
		t.Fatalf("create a spare organization: %d", code)
	}
	var me, member struct{ User struct{ Email string } }
	api.get("/api/0/", &me)
	apiClient{t: t, base: api.base, token: other.Token}.get("/api/0/", &member)

	// One accepted error, for the usage page to show.
	body := "{}\n{\"type\":\"event\"}\n{\"message\":\"usage page check\"}"
	if resp, b := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, body, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("post event: %d %s", resp.StatusCode, b)
	}
	orgPath := "/api/0/organizations/" + proj.Organization + "/"
	waitUntil(t, func() (bool, string) {
		var stats struct {
			Groups []struct {
				By     map[string]string
				Totals map[string]int
			}
		}
		api.get(orgPath+"stats_v2/?statsPeriod=30d&interval=1d", &stats)
		for _, g := range stats.Groups {
			if g.By["category"] == "error" && g.By["outcome"] == "accepted" && g.Totals["sum(quantity)"] == 1 {
				return true, ""
			}
		}
		return false, fmt.Sprintf("usage %+v", stats.Groups)
	})

	_, port, _ := net.SplitHostPort(srv.addr)
	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "manage"))
	out, err := runBrowserScript(dir, chromium, 300*time.Second, "manage.mjs", api.base, "http://faultline.test:"+port,
		me.User.Email, "test-password", proj.Organization, proj.Project, member.User.Email, spare, shots)
	if err != nil {
		t.Fatalf("manage.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
	t.Logf("manage.mjs: %s", out)

	// The project: created for the team, renamed, its threshold changed;
	// its old slug is gone, and so is the deleted one.
	var p struct {
		Name, Slug, Platform string
		ApdexThreshold       int
		Teams                []struct{ Slug string }
	}
	if code := api.get("/api/0/projects/"+proj.Organization+"/checkout-store/", &p); code != http.StatusOK ||
		p.Name != "Checkout storefront" || p.Platform != "javascript" || p.ApdexThreshold != 450 || len(p.Teams) != 1 || p.Teams[0].Slug != "web" {
		t.Errorf("the project made in the browser: %d %+v", code, p)
	}
	for _, gone := range []string{"checkout-web", "scratch"} {
		if code := api.get("/api/0/projects/"+proj.Organization+"/"+gone+"/", nil); code != http.StatusNotFound {
			t.Errorf("project %s: %d, want 404", gone, code)
		}
	}
	// The invitation is revoked; the member is in the team.
	var members []struct {
		ID, Email string
		Pending   bool
		Teams     []string
	}
	api.get(orgPath+"members/", &members)
	for _, m := range members {
		if m.Email == "dana@example.com" {
			t.Errorf("the revoked invitation is still listed: %+v", m)
		}
		if m.Email == member.User.Email && !slices.Contains(m.Teams, "web") {
			t.Errorf("the member put in #web: %+v", m)
		}
	}
	// The spare organization was renamed, then deleted.
	for _, slug := range []string{spare, spare + "-renamed"} {
		if code := api.get("/api/0/organizations/"+slug+"/", nil); code != http.StatusNotFound {
			t.Errorf("organization %s after the browser deleted it: %d, want 404", slug, code)
		}
	}
	var team struct{ Name string }
	if code := api.get("/api/0/teams/"+proj.Organization+"/web/", &team); code != http.StatusOK || team.Name != "Web crew" {
		t.Errorf("the team renamed in the browser: %d %+v", code, team)
	}
	var quotas struct{ Quotas map[string]int }
	if api.get(orgPath+"quotas/", &quotas); quotas.Quotas["error"] != 5000 {
		t.Errorf("quotas after the browser saved them: %+v", quotas)
	}
	// Two-factor login is on: a password alone no longer logs in.
	resp, b := newBrowser(t, srv).do("POST", "/api/0/auth/login/", `{"email":"`+me.User.Email+`","password":"test-password"}`, nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(b, `"twoFactorRequired":true`) {
		t.Errorf("password login after two-factor setup in the browser: %d %s", resp.StatusCode, b)
	}
}
