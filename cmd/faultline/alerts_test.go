package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/actors/alert"
	"github.com/faultline/faultline/frontend/mail/mailtest"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// hook is a local webhook receiver that records what it is sent.
type hook struct {
	*httptest.Server
	mu       sync.Mutex
	received []hookCall
	fail     atomic.Int32 // answer 500 to this many more calls
}

type hookCall struct {
	At     time.Time
	Body   []byte
	Header http.Header
}

func newHook(t *testing.T) *hook {
	h := &hook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only notifications: a stale monitor of an earlier test may find
		// this port reused and check it.
		if r.Header.Get("User-Agent") != "Faultline-Alerts/1.0" {
			return
		}
		body, _ := io.ReadAll(r.Body)
		if h.fail.Load() > 0 {
			h.fail.Add(-1)
			http.Error(w, "receiver is down", http.StatusInternalServerError)
			return
		}
		h.mu.Lock()
		h.received = append(h.received, hookCall{At: time.Now(), Body: body, Header: r.Header.Clone()})
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) calls() []hookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookCall(nil), h.received...)
}

type alertResp struct {
	ID              string
	AlertRecipients []struct{ RecipientType, URL, Secret string }
}

// A real sentry-go error opens an issue; the new-issue rule's email reaches
// the organization's members through a real SMTP server and its webhook
// arrives signed.
func TestNewIssueAlertEmailAndWebhook(t *testing.T) {
	smtp := mailtest.StartTestServer(t)
	cfg := testConfig(t)
	cfg.SMTPURL, cfg.EmailFrom = "smtp://"+smtp.Addr+"?tls=none", "faultline@example.com"
	srv := testServerWith(t, cfg)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	h := newHook(t)
	var rule alertResp
	body := fmt.Sprintf(`{"name":"New problems","timespanMinutes":1,"quantity":1,"triggers":["new_issue"],
		"alertRecipients":[{"recipientType":"email","url":""},{"recipientType":"webhook","url":%q}]}`, h.URL)
	if code := api.call("POST", fmt.Sprintf("/api/0/projects/%s/%s/alerts/", proj.Organization, proj.Project), body, &rule); code != http.StatusCreated {
		t.Fatalf("create alert: %d", code)
	}
	secret := rule.AlertRecipients[1].Secret
	if len(secret) < 32 {
		t.Fatalf("webhook secret %q", secret)
	}

	client, hub := sentryHub(t, srv, proj)
	sent := time.Now()
	hub.CaptureException(fmt.Errorf("payment gateway refused the card"))
	client.Flush(10 * time.Second)

	var me struct{ User struct{ Email string } }
	api.get("/api/0/", &me)
	msg, ok := smtp.Wait(me.User.Email, 30*time.Second)
	if !ok {
		t.Fatal("no alert email arrived")
	}
	if text := msg.Text(); !strings.Contains(text, "New issue: ") || !strings.Contains(text, "payment gateway refused the card") ||
		!strings.Contains(text, "/app/"+proj.Organization+"/issues/") {
		t.Errorf("alert email:\n%s", text)
	}
	waitUntil(t, func() (bool, string) { return len(h.calls()) == 1, fmt.Sprintf("%d webhook calls", len(h.calls())) })
	call := h.calls()[0]
	t.Logf("event to webhook: %s", call.At.Sub(sent).Round(time.Millisecond))
	if got, want := call.Header.Get("X-Faultline-Signature"), alert.Sign(secret, call.Header.Get("X-Faultline-Timestamp"), call.Body); got != want {
		t.Errorf("signature %q, want %q", got, want)
	}
	var payload struct {
		Title  string
		Alerts []struct{ Trigger string }
	}
	if err := json.Unmarshal(call.Body, &payload); err != nil || len(payload.Alerts) != 1 || payload.Alerts[0].Trigger != "new_issue" {
		t.Errorf("webhook body %s", call.Body)
	}
	// A second event of the same issue is not a new issue. Alert rules are
	// evaluated before an event is stored, so once both events are counted
	// the history holds every alert they fired.
	hub.CaptureException(fmt.Errorf("payment gateway refused the card"))
	client.Flush(10 * time.Second)
	waitForCount(t, api, proj.Organization, proj.Project, 2) // both events, one issue
	history := waitForAlertsSent(t, api, proj.Organization, proj.Project)
	if len(history) != 1 || len(history[0].Deliveries) != 2 {
		t.Errorf("history after a second event of the same issue: %+v, want the one alert", history)
	}
	if n := len(h.calls()); n != 1 {
		t.Errorf("%d webhook calls after a second event of the same issue, want 1", n)
	}
}

type firedAlert struct {
	Trigger    string
	Deliveries []struct{ RecipientType, Status string }
}

// waitForAlertsSent waits until every delivery of every alert the project
// fired so far was sent, and returns the alerts: a sent delivery is never
// sent again, so a webhook's calls can then be counted.
func waitForAlertsSent(t *testing.T, api apiClient, org, project string) []firedAlert {
	t.Helper()
	var history []firedAlert
	waitUntil(t, func() (bool, string) {
		api.get(fmt.Sprintf("/api/0/projects/%s/%s/alerts/history/", org, project), &history)
		for _, a := range history {
			for _, d := range a.Deliveries {
				if d.Status != "sent" {
					return false, fmt.Sprintf("history %+v", history)
				}
			}
		}
		return len(history) > 0, "no alert fired"
	})
	return history
}

// A burst of 40 events trips a "5 in a minute" rule once, not eight times.
func TestFrequencyAlertFiresOncePerInterval(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	h := newHook(t)
	body := fmt.Sprintf(`{"name":"Spikes","timespanMinutes":1,"quantity":5,"intervalMinutes":60,
		"alertRecipients":[{"recipientType":"webhook","url":%q}]}`, h.URL)
	if code := api.call("POST", fmt.Sprintf("/api/0/projects/%s/%s/alerts/", proj.Organization, proj.Project), body, nil); code != http.StatusCreated {
		t.Fatalf("create alert: %d", code)
	}
	for i := range 40 {
		event := fmt.Sprintf(`{"message":"queue is full","level":"error","user":{"id":"u%d"}}`, i%3)
		if resp, b := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, "{}\n{\"type\":\"event\"}\n"+event, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("event %d: %d %s", i, resp.StatusCode, b)
		}
	}
	waitUntil(t, func() (bool, string) {
		var issues []issueResp
		api.get(fmt.Sprintf("/api/0/projects/%s/%s/issues/", proj.Organization, proj.Project), &issues)
		return len(issues) == 1 && issues[0].Count == "40", fmt.Sprintf("issues %+v", issues)
	})
	// All 40 events were evaluated before they were counted: the history
	// holds every alert they fired.
	if history := waitForAlertsSent(t, api, proj.Organization, proj.Project); len(history) != 1 {
		t.Fatalf("%d alerts fired: %+v, want 1", len(history), history)
	}
	calls := h.calls()
	if len(calls) != 1 {
		t.Fatalf("%d webhook calls, want 1", len(calls))
	}
	if !strings.Contains(string(calls[0].Body), `"trigger":"frequency"`) || !strings.Contains(string(calls[0].Body), "queue is full") {
		t.Errorf("webhook body %s", calls[0].Body)
	}
}

// A monitor that goes down and comes back sends one down and one up
// notification.
func TestMonitorDownAndUpAlerts(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	h := newHook(t)
	var failing atomic.Bool
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer site.Close()
	body := fmt.Sprintf(`{"name":"Uptime","uptime":true,"alertRecipients":[{"recipientType":"webhook","url":%q}]}`, h.URL)
	if code := api.call("POST", fmt.Sprintf("/api/0/projects/%s/%s/alerts/", proj.Organization, proj.Project), body, nil); code != http.StatusCreated {
		t.Fatalf("create alert: %d", code)
	}
	var m monitorResp
	if code := api.call("POST", "/api/0/organizations/"+proj.Organization+"/monitors/",
		fmt.Sprintf(`{"monitorType":"GET","name":"Checkout","url":%q,"interval":60,"project":%d}`, site.URL, proj.ProjectID), &m); code != http.StatusCreated {
		t.Fatalf("create monitor: %d", code)
	}
	mon := "/api/0/organizations/" + proj.Organization + "/monitors/" + m.ID + "/"
	waitUntil(t, func() (bool, string) { api.get(mon, &m); return m.IsUp != nil && *m.IsUp, "monitor not up yet" })
	failing.Store(true)
	waitUntil(t, func() (bool, string) {
		return len(h.calls()) == 1, fmt.Sprintf("%d calls, waiting for the down alert", len(h.calls()))
	})
	failing.Store(false)
	waitUntil(t, func() (bool, string) {
		return len(h.calls()) == 2, fmt.Sprintf("%d calls, waiting for the up alert", len(h.calls()))
	})
	// Three more checks, all up: a check's state change is announced
	// before the next check starts, so none of them changed anything.
	waitUntil(t, func() (bool, string) {
		var checks []struct{ IsUp bool }
		api.get(mon+"checks/", &checks) // newest first
		upSince := 0
		for upSince < len(checks) && checks[upSince].IsUp {
			upSince++
		}
		return upSince >= 3 && upSince < len(checks), fmt.Sprintf("%d up checks since it came back", upSince)
	})
	if history := waitForAlertsSent(t, api, proj.Organization, proj.Project); len(history) != 2 {
		t.Fatalf("%d alerts fired: %+v, want a down and an up", len(history), history)
	}
	calls := h.calls()
	if len(calls) != 2 || !strings.Contains(string(calls[0].Body), `"trigger":"monitor_down"`) ||
		!strings.Contains(string(calls[0].Body), "Checkout is down") || !strings.Contains(string(calls[1].Body), `"trigger":"monitor_up"`) {
		for _, c := range calls {
			t.Logf("call: %s", c.Body)
		}
		t.Fatalf("%d calls, want one down and one up", len(calls))
	}
}

// A notification whose endpoint fails has its attempt recorded, with the
// reason, and stays pending for its retry. When the retries come is the
// dispatcher's own test (actors/alert, in a synctest bubble, on the
// production schedule): here the first retry is 30 s away.
func TestFailingWebhookIsRecordedForRetry(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	hook, slack := newHook(t), newHook(t)
	hook.fail.Store(1000)
	slack.fail.Store(1000)
	alerts := fmt.Sprintf("/api/0/projects/%s/%s/alerts/", proj.Organization, proj.Project)
	var rule alertResp
	body := fmt.Sprintf(`{"name":"Ops","triggers":["new_issue"],"alertRecipients":[{"recipientType":"webhook","url":%q},{"recipientType":"slack","url":%q}]}`,
		hook.URL, slack.URL)
	if code := api.call("POST", alerts, body, &rule); code != http.StatusCreated {
		t.Fatalf("create alert: %d", code)
	}
	if code := api.call("POST", alerts+rule.ID+"/test/", "", nil); code != http.StatusAccepted {
		t.Fatalf("test notification: %d", code)
	}
	type delivery struct {
		RecipientType, Status, LastError string
		Attempts                         int
	}
	var history []struct {
		Trigger    string
		Deliveries []delivery
	}
	waitUntil(t, func() (bool, string) {
		api.get(alerts+"history/", &history)
		if len(history) != 1 || len(history[0].Deliveries) != 2 {
			return false, fmt.Sprintf("history %+v", history)
		}
		for _, d := range history[0].Deliveries {
			if d.Attempts == 0 {
				return false, fmt.Sprintf("history %+v", history)
			}
		}
		return true, ""
	})
	if history[0].Trigger != "test" {
		t.Errorf("trigger %q, want test", history[0].Trigger)
	}
	for _, d := range history[0].Deliveries {
		if d.Status != "pending" || !strings.Contains(d.LastError, "answered 500") {
			t.Errorf("%s: %+v; want pending for its retry, with the 500 as the reason", d.RecipientType, d)
		}
	}
	for _, bad := range []string{`{"alertRecipients":[{"recipientType":"pager","url":"x"}]}`, `{"triggers":["sometimes"]}`,
		`{"alertRecipients":[{"recipientType":"email","url":"not an address"}]}`, `{"timespanMinutes":0}`} {
		if code, detail := api.callDetail("POST", alerts, bad); code != http.StatusBadRequest || detail == "" {
			t.Errorf("%s: %d %q", bad, code, detail)
		}
	}
}

// A transaction whose p95 rises above a rule's threshold alerts once.
func TestSlowTransactionAlert(t *testing.T) {
	cfg := testConfig(t)
	tm := testTiming()
	tm.slowCheckEvery = 200 * time.Millisecond
	srv := testServerTimed(t, cfg, tm)
	// slowCheckout gives a project a rule on POST /checkout's p95 and three
	// transactions whose p95 is above it.
	slowCheckout := func(proj metadata.BootstrapResult, hook string, firstID int) apiClient {
		api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
		body := fmt.Sprintf(`{"name":"Checkout speed","triggers":["slow_transaction"],"transaction":"POST /checkout","p95Threshold":300,
		"timespanMinutes":5,"alertRecipients":[{"recipientType":"webhook","url":%q}]}`, hook)
		if code := api.call("POST", fmt.Sprintf("/api/0/projects/%s/%s/alerts/", proj.Organization, proj.Project), body, nil); code != http.StatusCreated {
			t.Fatalf("create alert: %d", code)
		}
		start := time.Now().Add(-10 * time.Second)
		for i, ms := range []int{120, 900, 950} {
			id := fmt.Sprintf("%032x", firstID+i)
			payload := fmt.Sprintf(`{"type":"transaction","transaction":"POST /checkout","start_timestamp":%.3f,"timestamp":%.3f,`+
				`"contexts":{"trace":{"trace_id":"%s","span_id":"%016x","op":"http.server","status":"ok"}}}`,
				float64(start.UnixMilli())/1000, float64(start.Add(time.Duration(ms)*time.Millisecond).UnixMilli())/1000, id, i+1)
			if resp, b := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, `{"event_id":"`+id+`"}`+"\n"+`{"type":"transaction"}`+"\n"+payload, nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("transaction: %d %s", resp.StatusCode, b)
			}
		}
		return api
	}
	proj, h := metadatatest.Project(t, srv.db, testSecret), newHook(t)
	api := slowCheckout(proj, h.URL, 0x5105)
	waitUntil(t, func() (bool, string) { return len(h.calls()) == 1, fmt.Sprintf("%d calls", len(h.calls())) })
	// Rules are checked in the order they were made, each pass all of
	// them: once a rule made after the first alert has fired, the first
	// rule was checked again after its alert, and did not fire twice.
	later, laterHook := metadatatest.Project(t, srv.db, testSecret), newHook(t)
	slowCheckout(later, laterHook.URL, 0x5205)
	waitUntil(t, func() (bool, string) { return len(laterHook.calls()) == 1, "the later rule has not fired" })
	if history := waitForAlertsSent(t, api, proj.Organization, proj.Project); len(history) != 1 {
		t.Fatalf("%d alerts fired: %+v, want 1", len(history), history)
	}
	calls := h.calls()
	if len(calls) != 1 || !strings.Contains(string(calls[0].Body), `"trigger":"slow_transaction"`) || !strings.Contains(string(calls[0].Body), "POST /checkout is slow") {
		t.Fatalf("%d calls: %s", len(calls), calls[0].Body)
	}
}

// Alert email goes only to the organization's members: a rule naming any
// other address is refused, so an account cannot make the server mail
// whomever it likes.
func TestAlertEmailOnlyToMembers(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	alerts := fmt.Sprintf("/api/0/projects/%s/%s/alerts/", proj.Organization, proj.Project)
	rule := `{"name":"Mail","triggers":["new_issue"],"alertRecipients":[{"recipientType":"email","url":%q}]}`
	code, detail := api.callDetail("POST", alerts, fmt.Sprintf(rule, "victim@elsewhere.example"))
	if code != http.StatusBadRequest || !strings.Contains(detail, "victim@elsewhere.example") {
		t.Errorf("a rule mailing an outsider: %d %q, want 400 naming the address", code, detail)
	}
	var me struct{ User struct{ Email string } }
	api.get("/api/0/", &me)
	if code := api.call("POST", alerts, fmt.Sprintf(rule, "Me <"+strings.ToUpper(me.User.Email)+">"), nil); code != http.StatusCreated {
		t.Errorf("a rule mailing a member: %d, want 201", code)
	}
}

// Sessions whose crash-free share falls under a rule's threshold alert
// once; a rule on a release without crashes stays quiet.
func TestCrashFreeRateAlert(t *testing.T) {
	cfg := testConfig(t)
	tm := testTiming()
	tm.crashFreeCheckEvery = 200 * time.Millisecond
	srv := testServerTimed(t, cfg, tm)
	proj, h := metadatatest.Project(t, srv.db, testSecret), newHook(t)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	alerts := fmt.Sprintf("/api/0/projects/%s/%s/alerts/", proj.Organization, proj.Project)
	for _, release := range []string{"shop@2.0.0", "shop@1.0.0"} {
		body := fmt.Sprintf(`{"name":"Crashes in %s","triggers":["crash_free_rate"],"crashFreeThreshold":90,"quantity":5,
			"timespanMinutes":60,"filters":{"release":%q},"alertRecipients":[{"recipientType":"webhook","url":%q}]}`, release, release, h.URL)
		if code := api.call("POST", alerts, body, nil); code != http.StatusCreated {
			t.Fatalf("create alert: %d", code)
		}
	}
	started := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	for release, counts := range map[string]string{"shop@2.0.0": `"exited":7,"crashed":3`, "shop@1.0.0": `"exited":10`} {
		item := `{"aggregates":[{"started":"` + started + `",` + counts + `}],"attrs":{"release":"` + release + `","environment":"production"}}`
		if resp, b := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, "{}\n"+`{"type":"sessions"}`+"\n"+item, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("sessions: %d %s", resp.StatusCode, b)
		}
	}
	waitUntil(t, func() (bool, string) { return len(h.calls()) == 1, fmt.Sprintf("%d calls", len(h.calls())) })
	if history := waitForAlertsSent(t, api, proj.Organization, proj.Project); len(history) != 1 {
		t.Fatalf("%d alerts fired: %+v, want 1", len(history), history)
	}
	body := string(h.calls()[0].Body)
	if !strings.Contains(body, `"trigger":"crash_free_rate"`) || !strings.Contains(body, "shop@2.0.0: 70.00% crash-free sessions") {
		t.Fatalf("alert: %s", body)
	}
}
