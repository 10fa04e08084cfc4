package frontend

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/faultline/faultline/frontend/alerts"
	"github.com/faultline/faultline/frontend/alerts/alertstest"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// alertStore holds two rules of acme/web (the second turned off), one of
// acme/api and one of small/shop; ann is a member.
func alertStore() *alertstest.Store {
	return &alertstest.Store{
		Rules: []metadata.AlertRule{
			{ID: 1, ProjectID: 1, Name: "errors", Triggers: []string{"frequency"}, Enabled: true},
			{ID: 2, ProjectID: 1, Name: "quiet", Triggers: []string{"new_issue"}},
			{ID: 3, ProjectID: 2, Name: "api", Triggers: []string{"new_issue"}, Enabled: true},
			{ID: 4, ProjectID: 5, Name: "shop", Triggers: []string{"new_issue"}, Enabled: true},
		},
		History: []metadata.AlertRecord{{Alert: metadata.Alert{ID: 7, RuleID: 1, Trigger: "frequency"}, RuleName: "errors"},
			{Alert: metadata.Alert{ID: 6, RuleID: 1, Trigger: "frequency"}, RuleName: "errors"}},
		Members: []string{"ann@example.com"},
	}
}

// refusePrivate stands for the outbound host check.
func refusePrivate(host string) error {
	if strings.HasPrefix(host, "10.") {
		return errors.New("private address")
	}
	return nil
}

func alertApp(store *alertstest.Store, scopes []string) *fiber.App {
	a := &API{access: fakeAccess{}, alerts: alerts.New(store, store, refusePrivate), opts: Options{PublicURL: "https://errors.example.com"}}
	return testApp(scopes, a.registerAlerts)
}

var alertScopes = []string{"project:read", "project:write"}

// Every way an alert rule request can fail answers its status with a
// message that says what to change, and changes nothing.
func TestAlertHandlerErrors(t *testing.T) {
	const web = "/api/0/projects/acme/web/alerts/"
	valid := `{"name":"errors","alertRecipients":[{"recipientType":"email","url":"ann@example.com"}]}`
	busy := metadata.ErrBusy
	cases := []struct {
		name         string
		method, path string
		body         string
		scopes       []string // alertScopes when nil
		fail         map[string]error
		status       int
		detail       string
	}{
		{name: "unknown organization", method: "GET", path: "/api/0/projects/nope/web/alerts/", status: 404, detail: "organization not found"},
		{name: "unknown project", method: "GET", path: "/api/0/projects/acme/nope/alerts/", status: 404, detail: "project not found"},
		{name: "list without project:read", method: "GET", path: web, scopes: []string{"event:read"}, status: 403, detail: "lacks the project:read scope"},
		{name: "list, PostgreSQL busy", method: "GET", path: web, fail: map[string]error{"AlertRules": busy}, status: 503},
		{name: "list, unexpected store error", method: "GET", path: web, fail: map[string]error{"AlertRules": errors.New("conn reset on 10.0.0.3")},
			status: 500, detail: "internal server error"},

		{name: "create, not JSON", method: "POST", path: web, body: "name=x", status: 400, detail: "send a JSON body with name, timespanMinutes"},
		{name: "create, unknown trigger", method: "POST", path: web, body: `{"triggers":["sometimes"]}`, status: 400, detail: `triggers: "sometimes" is not one of`},
		{name: "create, timespan too long", method: "POST", path: web, body: `{"timespanMinutes":5000}`, status: 400, detail: "timespanMinutes: from 1 to 1440"},
		{name: "create, unknown recipient type", method: "POST", path: web, body: `{"alertRecipients":[{"recipientType":"pager"}]}`,
			status: 400, detail: `"pager" is not a recipient type`},
		{name: "create, webhook to a private host", method: "POST", path: web, body: `{"alertRecipients":[{"recipientType":"webhook","url":"http://10.0.0.1/hook"}]}`,
			status: 400, detail: "recipient 1 (webhook): url: private address"},
		{name: "create, email to a stranger", method: "POST", path: web, body: `{"alertRecipients":[{"recipientType":"email","url":"bob@example.com"}]}`,
			status: 400, detail: "recipient 1 (email): bob@example.com is not a member of this organization"},
		{name: "create without project:write", method: "POST", path: web, body: valid, scopes: []string{"project:read"}, status: 403, detail: "lacks the project:write scope"},
		{name: "create, role without project:write", method: "POST", path: "/api/0/projects/small/shop/alerts/", body: valid, status: 403,
			detail: "your role (member) does not allow project:write"},
		{name: "create, member lookup busy", method: "POST", path: web, body: valid, fail: map[string]error{"IsMemberEmail": busy}, status: 503},
		{name: "create, PostgreSQL busy", method: "POST", path: web, body: valid, fail: map[string]error{"SaveAlertRule": busy}, status: 503},
		{name: "create, unexpected store error", method: "POST", path: web, body: valid, fail: map[string]error{"SaveAlertRule": errors.New("pq: secret internals")},
			status: 500, detail: "internal server error"},

		{name: "update an unknown rule", method: "PUT", path: web + "99/", body: valid, status: 404, detail: "alert not found"},
		{name: "update a rule id that is not a number", method: "PUT", path: web + "abc/", body: valid, status: 404, detail: "alert not found"},
		{name: "update another project's rule", method: "PUT", path: web + "3/", body: valid, status: 404, detail: "alert not found"},
		{name: "update, invalid rule", method: "PUT", path: web + "1/", body: `{"quantity":0}`, status: 400, detail: "quantity: from 1 to"},

		{name: "delete an unknown rule", method: "DELETE", path: web + "99/", status: 404, detail: "alert not found"},
		{name: "delete a rule id that is not a number", method: "DELETE", path: web + "x/", status: 404, detail: "alert not found"},
		{name: "delete another organization's rule", method: "DELETE", path: web + "4/", status: 404, detail: "alert not found"},
		{name: "delete without project:write", method: "DELETE", path: web + "1/", scopes: []string{"project:read"}, status: 403, detail: "project:write"},
		{name: "delete, PostgreSQL busy", method: "DELETE", path: web + "1/", fail: map[string]error{"DeleteAlertRule": busy}, status: 503},

		{name: "test an unknown rule", method: "POST", path: web + "99/test/", status: 404, detail: "alert not found"},
		{name: "test a rule turned off", method: "POST", path: web + "2/test/", status: 409, detail: "the alert is turned off"},
		{name: "test, PostgreSQL busy", method: "POST", path: web + "1/test/", fail: map[string]error{"FireAlert": busy}, status: 503},

		{name: "history, bad cursor", method: "GET", path: web + "history/?cursor=x", status: 400, detail: "cursor: "},
		{name: "alert email set with a token", method: "PUT", path: "/api/0/users/me/notifications/", body: `{"alertEmails":false}`,
			status: 403, detail: "logged-in session, not with an API token"},
		{name: "alert email, PostgreSQL busy", method: "GET", path: "/api/0/users/me/notifications/", fail: map[string]error{"AlertEmails": busy}, status: 503},
		{name: "history, PostgreSQL busy", method: "GET", path: web + "history/", fail: map[string]error{"AlertHistory": busy}, status: 503},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := alertStore()
			store.Fail = tc.fail
			scopes := tc.scopes
			if scopes == nil {
				scopes = alertScopes
			}
			got := call(t, alertApp(store, scopes), tc.method, tc.path, tc.body)
			checkRefusal(t, tc.method, tc.path, got, tc.status, tc.detail)
			if store.Changed() {
				t.Errorf("a refused request changed alerts: saved %+v, deleted %v, fired %+v", store.Saved, store.Deleted, store.Fired)
			}
		})
	}
}

func TestAlertHandlers(t *testing.T) {
	const web = "/api/0/projects/acme/web/alerts/"
	store := alertStore()
	app := alertApp(store, alertScopes)
	got := call(t, app, "GET", web, "")
	var list []struct{ ID, Name string }
	if err := json.Unmarshal([]byte(got.body), &list); err != nil || got.status != 200 || len(list) != 2 || list[0].Name != "errors" {
		t.Errorf("list: %d %s, want acme/web's two rules", got.status, got.body)
	}
	got = call(t, app, "POST", web, `{"uptime":true,"alertRecipients":[{"recipientType":"webhook","url":"https://hooks.example.com/x"},`+
		`{"recipientType":"email","url":"Ann <ann@example.com>"}]}`)
	if got.status != 201 || len(store.Saved) != 1 {
		t.Fatalf("create: %d %s", got.status, got.body)
	}
	saved := store.Saved[0]
	if saved.ProjectID != 1 || saved.Name != "Alert" || !saved.Has("monitor_down") || len(saved.Recipients) != 2 || saved.Recipients[0].Secret == "" {
		t.Errorf("created %+v: want acme/web's, named Alert, on monitors, with a webhook secret", saved)
	}
	if got := call(t, app, "PUT", web+"1/", `{"name":"renamed","enabled":false}`); got.status != 200 || store.Saved[1].ID != 1 || store.Saved[1].Enabled {
		t.Errorf("update: %d %s, saved %+v", got.status, got.body, store.Saved)
	}
	if got := call(t, app, "POST", web+"1/test/", ""); got.status != 202 || len(store.Fired) != 1 ||
		store.Fired[0].Link != "https://errors.example.com/app/acme/web/alerts" || store.Fired[0].Title != "Test notification from errors" {
		t.Errorf("test: %d %s, fired %+v", got.status, got.body, store.Fired)
	}
	got = call(t, app, "GET", web+"history/?limit=1", "")
	if got.status != 200 || !strings.Contains(got.body, `"id":"7"`) || !strings.Contains(got.header["Link"], `rel="next"; results="true"`) {
		t.Errorf("history: %d %s, Link %q", got.status, got.body, got.header["Link"])
	}
	if got := call(t, app, "DELETE", web+"2/", ""); got.status != 204 || len(store.Deleted) != 1 || store.Deleted[0] != 2 {
		t.Errorf("delete: %d, deleted %v", got.status, store.Deleted)
	}
}

// A logged-in user sets whether they take members' alert email.
func TestAlertEmailSetting(t *testing.T) {
	const path = "/api/0/users/me/notifications/"
	cases := []struct {
		name, body string
		fail       map[string]error
		status     int
		answer     string // the body of a 200, the detail of an error
	}{
		{name: "not JSON", body: "off", status: 400, answer: `send {"alertEmails": true or false}`},
		{name: "no setting", body: `{"alertEmails":null}`, status: 400, answer: `send {"alertEmails": true or false}`},
		{name: "PostgreSQL busy", body: `{"alertEmails":false}`, fail: map[string]error{"SetAlertEmails": metadata.ErrBusy}, status: 503},
		{name: "turned off", body: `{"alertEmails":false}`, status: 200, answer: `{"alertEmails":false}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := alertStore()
			store.Fail = tc.fail
			a := &API{alerts: alerts.New(store, store, nil)}
			app := fiber.New(fiber.Config{ErrorHandler: ErrorHandler(slog.New(slog.NewTextHandler(io.Discard, nil)))})
			a.registerAlerts(app.Group("/api/0", func(c *fiber.Ctx) error {
				c.Locals(principalKey, metadata.Principal{UserID: 42, Session: true, Scopes: metadata.AllScopes})
				return c.Next()
			}))
			got := call(t, app, "PUT", path, tc.body)
			answer := got.detail()
			if tc.status == 200 {
				answer = got.body
			}
			if got.status != tc.status || !strings.Contains(answer, tc.answer) {
				t.Errorf("PUT %s: %d %s, want %d with %q", tc.body, got.status, got.body, tc.status, tc.answer)
			}
			if set, ok := store.Set[42]; (tc.status == 200) != ok || set {
				t.Errorf("stored settings %v", store.Set)
			}
		})
	}
}
