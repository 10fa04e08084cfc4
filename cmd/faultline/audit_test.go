package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/pquerna/otp/totp"
)

// auditIP is the loopback address the audited requests come from, so the
// log is seen to keep the client's address and not a constant.
const auditIP = "127.0.0.23"

// auditOwner is an owner with a known email and password, a session
// browser and a token client, both connecting from auditIP.
type auditOwner struct {
	metadata.BootstrapResult
	email, password string
	sess, tok       *browser
	srv             *server
}

func newAuditOwner(t *testing.T, srv *server) auditOwner {
	t.Helper()
	o := auditOwner{email: metadatatest.Slug("owner") + "@example.com", password: "owner password 1", srv: srv}
	var err error
	o.BootstrapResult, err = srv.db.Bootstrap(t.Context(), metadata.BootstrapRequest{Email: o.email, Password: o.password,
		Org: metadatatest.Slug("org"), Project: metadatatest.Slug("proj"), SecretKey: metadatatest.Slug("secret")})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := clientFrom(auditIP)
	o.sess = &browser{t: t, base: "http://" + srv.addr, c: &http.Client{Jar: jar, Transport: c.Transport}}
	o.tok = &browser{t: t, base: "http://" + srv.addr, c: clientFrom(auditIP)}
	return o
}

// as sends with the owner's bootstrap token.
func (o auditOwner) as(method, path, body string) (int, string) {
	o.tok.t.Helper()
	resp, out := o.tok.do(method, path, body, map[string]string{"Authorization": "Bearer " + o.Token})
	return resp.StatusCode, out
}

// must sends with the token and fails unless the answer is want; the
// answer is decoded into out when out is not nil.
func (o auditOwner) must(want int, method, path, body string, out any) {
	o.tok.t.Helper()
	code, b := o.as(method, path, body)
	if code != want {
		o.tok.t.Fatalf("%s %s: %d %s, want %d", method, path, code, b, want)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(b), out); err != nil {
			o.tok.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

type auditRow struct {
	ID     string `json:"id"`
	Event  string `json:"event"`
	Actor  *struct{ ID, Email string }
	Token  *string                     `json:"actorToken"`
	IP     string                      `json:"ipAddress"`
	Date   string                      `json:"dateCreated"`
	Target *int64                      `json:"targetObject"`
	User   *struct{ ID, Email string } `json:"targetUser"`
	Data   json.RawMessage             `json:"data"`
}

type auditAnswer struct {
	Rows    []auditRow `json:"rows"`
	Options []string   `json:"options"`
}

func (o auditOwner) auditLog(query string) auditAnswer {
	var out auditAnswer
	o.must(http.StatusOK, "GET", "/api/0/organizations/"+o.Organization+"/audit-logs/?per_page=100"+query, "", &out)
	return out
}

func (o auditOwner) login(password string, want int) {
	o.tok.t.Helper()
	resp, body := o.sess.do("POST", "/api/0/auth/login/", `{"email":"`+o.email+`","password":"`+password+`"}`, nil)
	if resp.StatusCode != want {
		o.tok.t.Fatalf("login: %d %s, want %d", resp.StatusCode, body, want)
	}
}

// Every kind of change an owner makes is in the organization's audit log
// once, with its event, actor, target and the client's address; members,
// read-only tokens and other organizations cannot read it.
func TestAuditLogRecordsEveryChange(t *testing.T) {
	srv, origin := localhostServer(t) // security keys take no IP address as their relying party
	ctx := t.Context()
	o := newAuditOwner(t, srv)
	org := "/api/0/organizations/" + o.Organization + "/"

	o.login("wrong password", http.StatusUnauthorized)
	o.login(o.password, http.StatusOK)
	resp, body := o.sess.do("POST", "/api/0/api-tokens/", `{"name":"ci","scopes":["org:read","project:read"]}`, o.sess.csrf())
	var token struct{ ID, Token string }
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &token) != nil {
		t.Fatalf("create token: %d %s", resp.StatusCode, body)
	}
	if resp, body := o.sess.do("DELETE", "/api/0/api-tokens/"+token.ID+"/", "", o.sess.csrf()); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete token: %d %s", resp.StatusCode, body)
	}

	inviteeEmail := metadatatest.Slug("invitee") + "@example.com"
	var invite struct{ InviteLink string }
	o.must(http.StatusCreated, "POST", org+"members/", `{"email":"`+inviteeEmail+`","role":"member"}`, &invite)
	inviteeID, err := srv.db.CreateUser(ctx, metadata.NewUser{Email: inviteeEmail, Password: "invitee password", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	invitee := newBrowser(t, srv)
	if resp, body := invitee.do("POST", "/api/0/auth/login/", `{"email":"`+inviteeEmail+`","password":"invitee password"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("invitee login: %d %s", resp.StatusCode, body)
	}
	acceptPath := "/api/0/accept-invite/" + invite.InviteLink[strings.LastIndex(invite.InviteLink, "/")+1:] + "/"
	if resp, body := invitee.do("POST", acceptPath, "", invitee.csrf()); resp.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d %s", resp.StatusCode, body)
	}
	bob := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.AddMember(ctx, o.OrganizationID, bob.UserID, "member"); err != nil {
		t.Fatal(err)
	}
	o.must(http.StatusOK, "PUT", fmt.Sprintf("%smembers/%d/", org, bob.UserID), `{"role":"admin"}`, nil)
	var team struct{ ID string }
	o.must(http.StatusCreated, "POST", org+"teams/", `{"slug":"audited-team"}`, &team)
	var project struct{ ID, Slug string }
	o.must(http.StatusCreated, "POST", org+"projects/", `{"name":"Audited"}`, &project)
	proj := "/api/0/projects/" + o.Organization + "/" + project.Slug + "/"
	o.must(http.StatusOK, "PUT", proj, `{"name":"Audited Again"}`, nil)
	var key struct{ ID string }
	o.must(http.StatusCreated, "POST", proj+"keys/", `{"name":"first"}`, &key)
	o.must(http.StatusOK, "PUT", proj+"keys/"+key.ID+"/", `{"name":"second"}`, nil)
	o.must(http.StatusNoContent, "DELETE", proj+"keys/"+key.ID+"/", "", nil)
	var rule struct{ ID string }
	o.must(http.StatusCreated, "POST", proj+"alerts/", `{"name":"New","timespanMinutes":1,"quantity":1,"triggers":["new_issue"],
		"alertRecipients":[{"recipientType":"email","url":""}]}`, &rule)
	o.must(http.StatusNoContent, "DELETE", proj+"alerts/"+rule.ID+"/", "", nil)
	var mon struct{ ID string }
	o.must(http.StatusCreated, "POST", org+"monitors/", `{"monitorType":"Heartbeat","name":"backup","interval":3600}`, &mon)
	o.must(http.StatusNoContent, "DELETE", org+"monitors/"+mon.ID+"/", "", nil)
	o.must(http.StatusNoContent, "DELETE", proj, "", nil)
	o.must(http.StatusOK, "PUT", org, `{"name":"Renamed Org"}`, nil)
	o.must(http.StatusOK, "PUT", org+"quotas/", `{"quotas":{"error":1000},"spikeProtection":true}`, nil)
	keyID := o.changeSecurity(t, origin)

	id := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	// event → the target it names (0: any, -1: none) and whether a token made it.
	want := []struct {
		event  string
		target int64
		token  bool
	}{
		{"member.login-failed", -1, false}, {"member.login", -1, false},
		{"apitoken.create", id(token.ID), false}, {"apitoken.remove", id(token.ID), false},
		{"member.invite", -1, true}, {"member.edit", bob.UserID, true},
		{"team.create", id(team.ID), true},
		{"project.create", id(project.ID), true}, {"project.edit", id(project.ID), true},
		{"projectkey.create", 0, true}, {"projectkey.edit", 0, true}, {"projectkey.remove", 0, true},
		{"alertrule.create", id(rule.ID), true}, {"alertrule.remove", id(rule.ID), true},
		{"monitor.add", id(mon.ID), true}, {"monitor.remove", id(mon.ID), true},
		{"project.remove", id(project.ID), true},
		{"org.edit", o.OrganizationID, true}, {"quota.edit", o.OrganizationID, true},
		{"2fa.enable", -1, false}, {"2fa.disable", -1, false},
		{"securitykey.add", keyID, false}, {"securitykey.remove", keyID, false},
		{"password.change", -1, false}, {"password.reset", -1, false},
	}
	log := o.auditLog("")
	// The invitee's acceptance is theirs, from their own address.
	accepted := o.auditLog("&event=member.accept")
	if len(accepted.Rows) != 1 || accepted.Rows[0].Actor == nil || accepted.Rows[0].Actor.Email != inviteeEmail ||
		accepted.Rows[0].User == nil || accepted.Rows[0].User.ID != strconv.FormatInt(inviteeID, 10) || accepted.Rows[0].IP != "127.0.0.1" {
		t.Errorf("member.accept rows: %+v", accepted.Rows)
	}
	all := log.Rows
	var rows []auditRow
	for _, r := range all {
		if r.Event != "member.accept" {
			rows = append(rows, r)
		}
	}
	log.Rows = rows
	if len(log.Rows) != len(want) {
		t.Errorf("%d audit rows, want %d", len(log.Rows), len(want))
	}
	for i, w := range want {
		var found []auditRow
		for _, r := range log.Rows {
			if r.Event == w.event {
				found = append(found, r)
			}
		}
		if len(found) != 1 {
			t.Errorf("%s: %d rows, want 1", w.event, len(found))
			continue
		}
		r := found[0]
		if r.Actor == nil || r.Actor.ID != strconv.FormatInt(o.UserID, 10) || r.Actor.Email != o.email {
			t.Errorf("%s: actor %+v, want user %d", w.event, r.Actor, o.UserID)
		}
		if _, err := time.Parse(time.RFC3339, r.Date); err != nil || id(r.ID) == 0 || len(r.Data) == 0 || r.Data[0] != '{' {
			t.Errorf("%s: id %q, dateCreated %q, data %s: want a string id, an ISO time and an object", w.event, r.ID, r.Date, r.Data)
		}
		if r.IP != auditIP {
			t.Errorf("%s: ipAddress %q, want %s", w.event, r.IP, auditIP)
		}
		if (r.Token != nil) != w.token {
			t.Errorf("%s: actorToken %v, want one: %t", w.event, r.Token, w.token)
		}
		switch {
		case w.target == -1 && r.Target != nil, w.target == 0 && r.Target == nil, w.target > 0 && (r.Target == nil || *r.Target != w.target):
			t.Errorf("%s: targetObject %v, want %d", w.event, r.Target, w.target)
		}
		// Newest first: the log lists them in the reverse of the changes.
		if j := len(want) - 1 - i; j < len(log.Rows) && log.Rows[j].Event != w.event {
			t.Errorf("row %d is %s, want %s", j, log.Rows[j].Event, w.event)
		}
	}
	for _, r := range log.Rows {
		switch r.Event {
		case "member.edit":
			if r.User == nil || r.User.ID != strconv.FormatInt(bob.UserID, 10) || !strings.Contains(string(r.Data), `"after":"admin"`) {
				t.Errorf("member.edit: targetUser %+v, data %s", r.User, r.Data)
			}
		case "member.login-failed", "member.login":
			if !strings.Contains(string(r.Data), `"method":"password"`) {
				t.Errorf("%s data %s", r.Event, r.Data)
			}
		case "org.edit":
			if !strings.Contains(string(r.Data), `"after":"Renamed Org"`) {
				t.Errorf("org.edit data %s", r.Data)
			}
		}
	}
	if len(log.Options) < len(want) {
		t.Errorf("options %v", log.Options)
	}

	// Filters and pages.
	if got := o.auditLog("&event=team.create"); len(got.Rows) != 1 || got.Rows[0].Event != "team.create" {
		t.Errorf("event=team.create: %+v", got.Rows)
	}
	if got := o.auditLog(fmt.Sprintf("&actor=%d", bob.UserID)); len(got.Rows) != 0 {
		t.Errorf("actor=bob: %+v", got.Rows)
	}
	if got := o.auditLog(fmt.Sprintf("&actor=%d", o.UserID)); len(got.Rows) != len(want) {
		t.Errorf("actor=owner: %d rows", len(got.Rows))
	}
	var page auditAnswer
	resp, body = o.tok.do("GET", org+"audit-logs/?per_page=5&cursor=0:5:0", "", map[string]string{"Authorization": "Bearer " + o.Token})
	if json.Unmarshal([]byte(body), &page) != nil || len(page.Rows) != 5 || page.Rows[0].ID != all[5].ID ||
		!strings.Contains(resp.Header.Get("Link"), `rel="next"; results="true"`) {
		t.Errorf("second page of 5: %d %s %s", resp.StatusCode, resp.Header.Get("Link"), body)
	}
	for _, q := range []string{"?event=no.such", "?actor=bob", "?per_page=x"} {
		if code, body := o.as("GET", org+"audit-logs/"+q, ""); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", q, code, body)
		}
	}

	// Who may read it: a member (bob was made admin; a fresh member here),
	// a token without org:write, another organization's owner.
	carol := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.AddMember(ctx, o.OrganizationID, carol.UserID, "member"); err != nil {
		t.Fatal(err)
	}
	readOnly, err := srv.db.CreateToken(ctx, o.UserID, "read only", []string{"org:read", "project:read", "member:read"})
	if err != nil {
		t.Fatal(err)
	}
	stranger := metadatatest.Project(t, srv.db, testSecret)
	base := "http://" + srv.addr
	for _, c := range []struct {
		who, token string
		want       int
	}{{"a member", carol.Token, http.StatusForbidden}, {"an admin", bob.Token, http.StatusForbidden},
		{"a token without org:write", readOnly.Token, http.StatusForbidden}, {"another organization's owner", stranger.Token, http.StatusNotFound}} {
		api := apiClient{t: t, base: base, token: c.token}
		if code := api.get(org+"audit-logs/", nil); code != c.want {
			t.Errorf("%s reading the audit log: %d, want %d", c.who, code, c.want)
		}
	}
}

// No secret reaches the audit log: not an API token, a DSN key's secret,
// a password (right, wrong or new), a webhook's secret or the credentials
// and query of a webhook's or monitor's URL.
func TestAuditLogNeverHoldsASecret(t *testing.T) {
	srv := testServer(t)
	o := newAuditOwner(t, srv)
	org := "/api/0/organizations/" + o.Organization + "/"
	proj := "/api/0/projects/" + o.Organization + "/" + o.Project + "/"
	secrets := []string{o.Token, o.password, "wrong-Pa55word-guess", "new-Pa55word-chosen"}

	o.login("wrong-Pa55word-guess", http.StatusUnauthorized)
	o.login(o.password, http.StatusOK)
	resp, body := o.sess.do("POST", "/api/0/api-tokens/", `{"name":"ci","scopes":["org:read"]}`, o.sess.csrf())
	var token struct{ Token string }
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &token) != nil || token.Token == "" {
		t.Fatalf("create token: %d %s", resp.StatusCode, body)
	}
	secrets = append(secrets, token.Token)

	var key struct {
		ID, Secret string
		DSN        struct{ Secret string }
	}
	o.must(http.StatusCreated, "POST", proj+"keys/", `{"name":"with secret"}`, &key)
	o.must(http.StatusOK, "PUT", proj+"keys/"+key.ID+"/", `{"name":"renamed","rateLimit":{"window":60,"count":10}}`, nil)
	secrets = append(secrets, key.Secret, key.DSN.Secret)

	hookURL := "https://hookuser:hookpass-AAA@hooks.example.com/services/T000/B000/pathsecretBBB?sig=querysecretCCC"
	var rule struct {
		ID              string
		AlertRecipients []struct{ Secret string }
	}
	o.must(http.StatusCreated, "POST", proj+"alerts/", fmt.Sprintf(`{"name":"Hooked","timespanMinutes":1,"quantity":1,"triggers":["new_issue"],
		"alertRecipients":[{"recipientType":"webhook","url":%q,"secret":"webhook-secret-DDD-0123456789abcdef0123456789"}]}`, hookURL), &rule)
	o.must(http.StatusOK, "PUT", proj+"alerts/"+rule.ID+"/", fmt.Sprintf(`{"name":"Hooked again","timespanMinutes":1,"quantity":1,"triggers":["new_issue"],
		"alertRecipients":[{"recipientType":"webhook","url":%q}]}`, hookURL), &rule)
	for _, r := range rule.AlertRecipients {
		secrets = append(secrets, r.Secret)
	}
	secrets = append(secrets, "hookpass-AAA", "pathsecretBBB", "querysecretCCC", "webhook-secret-DDD")
	o.must(http.StatusCreated, "POST", org+"monitors/", `{"monitorType":"GET","name":"api","url":"http://monuser:monpass-EEE@127.0.0.1:9/health?key=monkey-FFF","interval":60}`, nil)
	secrets = append(secrets, "monpass-EEE", "monkey-FFF")

	if resp, body := o.sess.do("PUT", "/api/0/users/me/password/", `{"current":"`+o.password+`","password":"new-Pa55word-chosen"}`, o.sess.csrf()); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("change password: %d %s", resp.StatusCode, body)
	}
	o.login("new-Pa55word-chosen", http.StatusOK)

	// The password change revoked the bootstrap token: read the log with a new one.
	fresh, err := srv.db.CreateToken(t.Context(), o.UserID, "reader", metadata.AllScopes)
	if err != nil {
		t.Fatal(err)
	}
	o.Token = fresh.Token
	resp, body = o.tok.do("GET", org+"audit-logs/?per_page=100", "", map[string]string{"Authorization": "Bearer " + o.Token})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audit log: %d %s", resp.StatusCode, body)
	}
	var log auditAnswer
	if err := json.Unmarshal([]byte(body), &log); err != nil {
		t.Fatal(err)
	}
	events := map[string]int{}
	for _, r := range log.Rows {
		events[r.Event]++
	}
	for _, e := range []string{"member.login-failed", "member.login", "apitoken.create", "projectkey.create", "projectkey.edit",
		"alertrule.create", "alertrule.edit", "monitor.add"} {
		if events[e] == 0 {
			t.Errorf("no %s in the log (%v): the scan below would prove nothing", e, events)
		}
	}
	if events["member.login"] != 2 {
		t.Errorf("%d logins recorded, want 2", events["member.login"])
	}
	for _, s := range secrets {
		if len(s) < 8 {
			t.Fatalf("secret %q too short to scan for", s)
		}
		if strings.Contains(body, s) {
			t.Errorf("the audit log holds the secret %q:\n%s", s, body)
		}
	}
	if !strings.Contains(body, `"recipients":["webhook"]`) || !strings.Contains(body, `"host":"127.0.0.1"`) {
		t.Errorf("the summaries lost what they may say (a recipient's kind, a monitor's host):\n%s", body)
	}
}

// A single sign-on login is recorded in the account's organization with
// method sso, without the provider's client secret or any token.
func TestAuditLogRecordsSSOLogins(t *testing.T) {
	f := newSSOFixture(t)
	jane := f.user("jane", true)
	if resp, body := f.signIn(t, f.browser(t), jane); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	api := apiClient{t: t, base: "http://" + f.srv.addr, token: f.owner.Token}
	code, body := api.getRaw("/api/0/organizations/" + f.owner.Organization + "/audit-logs/?event=member.login")
	var log auditAnswer
	if code != http.StatusOK || json.Unmarshal(body, &log) != nil {
		t.Fatalf("audit log: %d %s", code, body)
	}
	if len(log.Rows) != 1 || log.Rows[0].Actor == nil || log.Rows[0].Actor.Email != jane.Email ||
		!strings.Contains(string(log.Rows[0].Data), `"method":"sso"`) {
		t.Errorf("logins recorded: %s", body)
	}
	if strings.Contains(string(body), f.idp.ClientSecret) {
		t.Errorf("the audit log holds the provider's client secret: %s", body)
	}
}

// TestAuditLogPageInBrowser opens the dashboard's audit log in headless
// Chromium: an owner reaches it from the organization settings, sees the
// changes with their actor and address and filters them by event; a
// member is told only owners and managers may read it.
func TestAuditLogPageInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	o := newAuditOwner(t, srv)
	org := "/api/0/organizations/" + o.Organization + "/"
	o.must(http.StatusCreated, "POST", org+"teams/", `{"slug":"audited-team"}`, nil)
	o.must(http.StatusOK, "PUT", org, `{"name":"Renamed Org"}`, nil)
	memberEmail := metadatatest.Slug("member") + "@example.com"
	memberID, err := srv.db.CreateUser(t.Context(), metadata.NewUser{Email: memberEmail, Password: o.password, Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.db.AddMember(t.Context(), o.OrganizationID, memberID, "member"); err != nil {
		t.Fatal(err)
	}
	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "dashboard-audit"))
	if out, err := runBrowserScript(dir, chromium, 120*time.Second, "dashboard_audit.mjs", "http://"+srv.addr, o.email, memberEmail,
		o.password, o.Organization, shots); err != nil {
		t.Fatalf("dashboard_audit.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
}

// changeSecurity turns two-factor login on and off, adds and removes a
// security key, changes the password and resets it with a reset link,
// all from the owner's session (the reset without one) and auditIP; the
// owner's token, revoked by the password change, is replaced. It answers
// the security key's id.
func (o *auditOwner) changeSecurity(t *testing.T, origin string) int64 {
	t.Helper()
	s := o.sess
	mustDo := func(want int, method, path, body string) string {
		t.Helper()
		resp, out := s.do(method, path, body, s.csrf())
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, out, want)
		}
		return out
	}
	var setup struct{ Secret string }
	if err := json.Unmarshal([]byte(mustDo(http.StatusCreated, "POST", "/api/0/users/me/2fa/", "")), &setup); err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(setup.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mustDo(http.StatusOK, "POST", "/api/0/users/me/2fa/confirm/", `{"code":"`+code+`"}`)
	mustDo(http.StatusNoContent, "DELETE", "/api/0/users/me/2fa/", `{"password":"`+o.password+`"}`)

	key := newSoftKey(t, origin)
	options := mustDo(http.StatusOK, "POST", "/api/0/users/me/webauthn/register/begin/", `{"password":"`+o.password+`"}`)
	var added struct{ Key struct{ ID string } }
	if err := json.Unmarshal([]byte(mustDo(http.StatusCreated, "POST", "/api/0/users/me/webauthn/register/finish/",
		`{"name":"Desk key","credential":`+key.create(options)+`}`)), &added); err != nil {
		t.Fatal(err)
	}
	mustDo(http.StatusNoContent, "DELETE", "/api/0/users/me/webauthn/"+added.Key.ID+"/", `{"password":"`+o.password+`"}`)

	mustDo(http.StatusNoContent, "PUT", "/api/0/users/me/password/", `{"current":"`+o.password+`","password":"owner password 2"}`)
	reset, _, _, err := o.srv.db.CreatePasswordReset(t.Context(), o.email)
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := o.tok.do("POST", "/api/0/auth/password-reset/confirm/", `{"token":"`+reset+`","password":"owner password 3"}`, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("reset: %d %s", resp.StatusCode, body)
	}
	o.password = "owner password 3"
	fresh, err := o.srv.db.CreateToken(t.Context(), o.UserID, "reader", metadata.AllScopes)
	if err != nil {
		t.Fatal(err)
	}
	o.Token = fresh.Token
	id, _ := strconv.ParseInt(added.Key.ID, 10, 64)
	return id
}
