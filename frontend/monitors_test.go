package frontend

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/monitors"
	"github.com/faultline/faultline/frontend/monitors/monitorstest"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

func monitorStore() *monitorstest.Store {
	return &monitorstest.Store{
		Monitors: []metadata.Monitor{
			{ID: 1, OrgID: 1, Kind: "http", Method: "GET", Name: "site", URL: "https://example.com/"},
			{ID: 2, OrgID: 1, Kind: "cron", Name: "nightly", Slug: "nightly"},
			{ID: 3, OrgID: 2, Kind: "http", Method: "GET", Name: "shop"},
		},
		Uptime:    map[int64]analytics.UptimeStats{1: {Checks: 4, Up: 3, UptimePct: 75}},
		Checks:    map[int64][]analytics.MonitorCheck{1: {{MonitorID: 1, Up: true}, {MonitorID: 1}}},
		Endpoints: map[string]int64{"secret": 1},
	}
}

// monitorApp serves the monitor routes and the heartbeat URL over store.
func monitorApp(store *monitorstest.Store, scopes []string, hostCheck func(string) error) *fiber.App {
	a := &API{access: fakeAccess{}, monitors: monitors.New(store, store), opts: Options{MonitorHostCheck: hostCheck}}
	return testApp(scopes, func(r fiber.Router) {
		a.registerMonitors(r)
		r.Post("/organizations/:org/heartbeat_check/:endpoint_id/", a.heartbeat)
	})
}

var monitorScopes = []string{"org:read", "project:write"}

func TestMonitorHandlerErrors(t *testing.T) {
	const base = "/api/0/organizations/acme/monitors/"
	down := analytics.ErrUnavailable
	valid := `{"monitorType":"GET","name":"api","url":"https://api.example.com/","interval":60}`
	cases := []struct {
		name         string
		method, path string
		body         string
		scopes       []string
		fail         map[string]error
		status       int
		detail       string
	}{
		{name: "bad cursor", method: "GET", path: base + "?cursor=x", status: 400, detail: "cursor: "},
		{name: "unknown organization", method: "GET", path: "/api/0/organizations/nope/monitors/", status: 404, detail: "organization not found"},
		{name: "token without org:read", method: "GET", path: base, scopes: []string{"event:read"}, status: 403, detail: "org:read"},
		{name: "list, PostgreSQL busy", method: "GET", path: base, fail: map[string]error{"ListMonitors": metadata.ErrBusy}, status: 503},
		{name: "list, ClickHouse down", method: "GET", path: base, fail: map[string]error{"MonitorStrips": down}, status: 503, detail: "ClickHouse"},
		{name: "unknown monitor id", method: "GET", path: base + "99/", status: 404, detail: "monitor not found"},
		{name: "unknown monitor slug", method: "GET", path: base + "weekly/", status: 404, detail: "monitor not found"},
		{name: "another organization's monitor", method: "GET", path: base + "3/", status: 404, detail: "monitor not found"},
		{name: "detail, ClickHouse down", method: "GET", path: base + "1/", fail: map[string]error{"RecentChecks": down}, status: 503, detail: "ClickHouse"},
		{name: "detail, PostgreSQL busy", method: "GET", path: base + "1/", fail: map[string]error{"MonitorStateChanges": metadata.ErrBusy}, status: 503},
		{name: "checks, bad limit", method: "GET", path: base + "1/checks/?limit=x", status: 400, detail: "limit: "},
		{name: "checks, ClickHouse down", method: "GET", path: base + "1/checks/", fail: map[string]error{"RecentChecks": down}, status: 503},
		{name: "stats, bad statsPeriod", method: "GET", path: base + "1/stats/?statsPeriod=x", status: 400, detail: "statsPeriod: "},
		{name: "stats, interval too small", method: "GET", path: base + "1/stats/?statsPeriod=90d&interval=1m", status: 400, detail: "interval"},
		{name: "stats, ClickHouse down", method: "GET", path: base + "1/stats/", fail: map[string]error{"MonitorUptime": down}, status: 503},
		{name: "check-ins, bad statsPeriod", method: "GET", path: base + "2/checkins/?statsPeriod=-1d", status: 400, detail: "statsPeriod: "},
		{name: "check-ins, PostgreSQL busy", method: "GET", path: base + "2/checkins/", fail: map[string]error{"CronCheckIns": metadata.ErrBusy}, status: 503},
		{name: "create, not JSON", method: "POST", path: base, body: "name=api", status: 400, detail: "send a JSON body with monitorType"},
		{name: "create, unknown type", method: "POST", path: base, body: `{"monitorType":"FTP","name":"x"}`, status: 400, detail: "monitorType: one of"},
		{name: "create, refused host", method: "POST", path: base, body: `{"monitorType":"GET","name":"x","url":"http://10.0.0.1/"}`, status: 400, detail: "url: private address"},
		{name: "create without project:write", method: "POST", path: base, body: valid, scopes: []string{"org:read"}, status: 403, detail: "project:write"},
		{name: "create, PostgreSQL busy", method: "POST", path: base, body: valid, fail: map[string]error{"CreateMonitor": metadata.ErrBusy}, status: 503},
		{name: "update an unknown monitor", method: "PUT", path: base + "99/", body: valid, status: 404, detail: "monitor not found"},
		{name: "update, bad cron schedule", method: "PUT", path: base + "nightly/", body: `{"schedule":"every day"}`, status: 400},
		{name: "update, PostgreSQL busy", method: "PUT", path: base + "1/", body: valid, fail: map[string]error{"UpdateMonitor": metadata.ErrBusy}, status: 503},
		{name: "delete an unknown monitor", method: "DELETE", path: base + "99/", status: 404, detail: "monitor not found"},
		{name: "delete, PostgreSQL busy", method: "DELETE", path: base + "1/", fail: map[string]error{"DeleteMonitor": metadata.ErrBusy}, status: 503},
		{name: "heartbeat of an unknown endpoint", method: "POST", path: "/api/0/organizations/acme/heartbeat_check/guess/", status: 404,
			detail: "no heartbeat monitor has this endpoint"},
		{name: "heartbeat, PostgreSQL busy", method: "POST", path: "/api/0/organizations/acme/heartbeat_check/secret/",
			fail: map[string]error{"RecordHeartbeat": metadata.ErrBusy}, status: 503},
	}
	refusePrivate := func(host string) error {
		if strings.HasPrefix(host, "10.") {
			return errors.New("private address")
		}
		return nil
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := monitorStore()
			store.Fail = tc.fail
			scopes := tc.scopes
			if scopes == nil {
				scopes = monitorScopes
			}
			got := call(t, monitorApp(store, scopes, refusePrivate), tc.method, tc.path, tc.body)
			checkRefusal(t, tc.method, tc.path, got, tc.status, tc.detail)
			if tc.status != 503 && (len(store.Saved) != 0 || len(store.Deleted) != 0) {
				t.Errorf("a refused request changed monitors: saved %+v, deleted %v", store.Saved, store.Deleted)
			}
		})
	}
}

func TestMonitorHandlers(t *testing.T) {
	const base = "/api/0/organizations/acme/monitors/"
	store := monitorStore()
	app := monitorApp(store, monitorScopes, nil)
	got := call(t, app, "GET", base+"?limit=1", "")
	var list []map[string]any
	if err := json.Unmarshal([]byte(got.body), &list); err != nil || got.status != 200 || len(list) != 1 || list[0]["name"] != "site" {
		t.Errorf("list: %d %s", got.status, got.body)
	}
	if !strings.Contains(got.header["Link"], `rel="next"; results="true"`) {
		t.Errorf("Link %q: want a next page", got.header["Link"])
	}
	got = call(t, app, "GET", base+"1/stats/", "")
	var stats struct{ UptimePercent float64 }
	if err := json.Unmarshal([]byte(got.body), &stats); err != nil || stats.UptimePercent != 75 {
		t.Errorf("stats: %d %s", got.status, got.body)
	}
	got = call(t, app, "POST", base, `{"monitorType":"GET","name":"api","url":"https://api.example.com/","interval":60}`)
	if got.status != 201 || len(store.Saved) != 1 || store.Saved[0].OrgID != 1 || store.Saved[0].URL != "https://api.example.com/" {
		t.Errorf("create: %d %s, saved %+v", got.status, got.body, store.Saved)
	}
	if got := call(t, app, "DELETE", base+"nightly/", ""); got.status != 204 || len(store.Deleted) != 1 || store.Deleted[0] != 2 {
		t.Errorf("delete by slug: %d, deleted %v", got.status, store.Deleted)
	}
	if got := call(t, app, "POST", "/api/0/organizations/acme/heartbeat_check/secret/", ""); got.status != 202 || len(store.Beats) != 1 {
		t.Errorf("heartbeat: %d %s", got.status, got.body)
	}
}
