package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/getsentry/sentry-go"
)

type monitorResp struct {
	ID                string
	MonitorType       string
	Name              string
	URL               string
	ExpectedStatus    any
	Interval          int
	Project           *int64
	IsUp              *bool
	LastChange        *time.Time
	HeartbeatEndpoint *string
	Slug              string
	Schedule          struct{ Type, Value string }
	Checks            []struct {
		IsUp         bool
		Reason       *string
		ResponseTime *int64
	}
	Strip        []struct{ Checks, Down int }
	StateChanges []struct{ Kind, Reason string }
}

// An uptime monitor in GlitchTip's shape: created, checked by the runner,
// listed with its status strip, changed and deleted; bad input answered 400.
func TestUptimeMonitorAPI(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	var failing atomic.Bool
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprint(w, "welcome")
	}))
	defer site.Close()
	base := "/api/0/organizations/" + proj.Organization + "/monitors/"

	var created monitorResp
	body := fmt.Sprintf(`{"monitorType":"GET","name":"Shop","url":%q,"expectedStatus":200,"expectedBody":"welcome","interval":"60","timeout":5,"project":%d}`,
		site.URL, proj.ProjectID)
	if code := api.call("POST", base, body, &created); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	if created.ID == "" || created.MonitorType != "GET" || created.Interval != 60 || created.IsUp != nil || created.Project == nil ||
		*created.Project != proj.ProjectID || fmt.Sprint(created.ExpectedStatus) != "200" {
		t.Errorf("created %+v", created)
	}
	var m monitorResp
	waitUntil(t, func() (bool, string) {
		api.get(base+created.ID+"/", &m)
		return m.IsUp != nil && *m.IsUp && len(m.Checks) > 0, fmt.Sprintf("monitor %+v", m)
	})
	if c := m.Checks[0]; !c.IsUp || c.ResponseTime == nil || len(m.StateChanges) != 1 || m.StateChanges[0].Kind != "up" {
		t.Errorf("after the first check: %+v", m)
	}
	failing.Store(true)
	waitUntil(t, func() (bool, string) {
		api.get(base+created.ID+"/", &m)
		return m.IsUp != nil && !*m.IsUp, fmt.Sprintf("monitor still up: %+v", m.StateChanges)
	})
	if !strings.Contains(m.StateChanges[0].Reason, "status 503, expected 200") {
		t.Errorf("down reason: %+v", m.StateChanges)
	}
	// Checks reach ClickHouse in batches, a second apart.
	waitUntil(t, func() (bool, string) {
		var list []monitorResp
		api.get(base, &list)
		down := 0
		for _, m := range list {
			for _, b := range m.Strip {
				down += b.Down
			}
		}
		return len(list) == 1 && list[0].Name == "Shop" && len(list[0].Strip) >= 24 && down >= 2,
			fmt.Sprintf("list %+v, want its strip to show the 2 failed checks", list)
	})
	var stats struct {
		Checks        int
		UptimePercent float64
	}
	api.get(base+created.ID+"/stats/?statsPeriod=1h&interval=5m", &stats)
	if stats.Checks < 3 || stats.UptimePercent <= 0 || stats.UptimePercent > 100*float64(stats.Checks-2)/float64(stats.Checks) {
		t.Errorf("stats %+v", stats)
	}

	for _, bad := range []struct{ body, want string }{
		{`{"monitorType":"FTP","name":"x","url":"ftp://x"}`, "monitorType"},
		{`{"monitorType":"GET","name":"x","url":"ftp://x"}`, "url"},
		{`{"monitorType":"GET","name":"x","url":"https://example.com","interval":10}`, "interval"},
		{`{"monitorType":"GET","name":"x","url":"https://example.com","expectedStatus":"abc"}`, "expectedStatus"},
		{`{"monitorType":"TCP Port","name":"x","url":"db.example.com"}`, "host:port"},
		{`{"monitorType":"GET","name":"","url":"https://example.com"}`, "name"},
		{`{"monitorType":"GET","name":"x","url":"https://example.com","project":999999999}`, "project"},
	} {
		if code, detail := api.callDetail("POST", base, bad.body); code != http.StatusBadRequest || !strings.Contains(detail, bad.want) {
			t.Errorf("%s: %d %q, want 400 about %s", bad.body, code, detail, bad.want)
		}
	}
	var renamed monitorResp
	if code := api.call("PUT", base+created.ID+"/", strings.Replace(body, `"Shop"`, `"Shop front"`, 1), &renamed); code != http.StatusOK || renamed.Name != "Shop front" {
		t.Errorf("update: %d %+v", code, renamed)
	}
	if code := api.call("DELETE", base+created.ID+"/", "", nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code := api.get(base+created.ID+"/", nil); code != http.StatusNotFound {
		t.Errorf("after delete: %d", code)
	}
}

// A heartbeat monitor's secret URL needs no account.
func TestHeartbeatEndpoint(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	var m monitorResp
	if code := api.call("POST", "/api/0/organizations/"+proj.Organization+"/monitors/", `{"monitorType":"Heartbeat","name":"backup","interval":3600}`, &m); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	if m.HeartbeatEndpoint == nil || !strings.Contains(*m.HeartbeatEndpoint, "/heartbeat_check/") {
		t.Fatalf("heartbeat endpoint: %+v", m)
	}
	resp, err := http.Post(*m.HeartbeatEndpoint, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("heartbeat: %d", resp.StatusCode)
	}
	waitUntil(t, func() (bool, string) {
		api.get("/api/0/organizations/"+proj.Organization+"/monitors/"+m.ID+"/", &m)
		return m.IsUp != nil && *m.IsUp, fmt.Sprintf("heartbeat monitor %+v", m)
	})
	resp, err = http.Post(strings.Replace(*m.HeartbeatEndpoint, "heartbeat_check/", "heartbeat_check/0", 1), "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown heartbeat endpoint: %d", resp.StatusCode)
	}
}

// sentry-go's check-ins create a cron monitor from their monitor_config,
// record each run, and a failed run turns the monitor down.
func TestSentryGoCronMonitor(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	client, hub := sentryHub(t, srv, proj)
	config := &sentry.MonitorConfig{Schedule: sentry.CrontabSchedule("*/5 * * * *"), CheckInMargin: 2, MaxRuntime: 10, Timezone: "Europe/Vienna"}
	id := hub.CaptureCheckIn(&sentry.CheckIn{MonitorSlug: "invoices", Status: sentry.CheckInStatusInProgress}, config)
	hub.CaptureCheckIn(&sentry.CheckIn{ID: *id, MonitorSlug: "invoices", Status: sentry.CheckInStatusOK, Duration: 3 * time.Second}, config)
	client.Flush(10 * time.Second)
	base := "/api/0/organizations/" + proj.Organization + "/monitors/invoices/"
	if run := waitForOneOKRun(t, api, base); run.Duration == nil || *run.Duration != 3000 {
		t.Errorf("run %+v, want 3000 ms", run)
	}
	var m monitorResp
	waitUntil(t, func() (bool, string) {
		api.get(base, &m)
		return m.IsUp != nil && *m.IsUp, fmt.Sprintf("cron monitor %+v", m)
	})
	if m.MonitorType != "Cron" || m.Slug != "invoices" || m.Schedule.Type != "crontab" || m.Schedule.Value != "*/5 * * * *" {
		t.Errorf("cron monitor %+v", m)
	}
	hub.CaptureCheckIn(&sentry.CheckIn{MonitorSlug: "invoices", Status: sentry.CheckInStatusError, Duration: time.Second}, config)
	client.Flush(10 * time.Second)
	waitUntil(t, func() (bool, string) {
		api.get(base, &m)
		return m.IsUp != nil && !*m.IsUp, fmt.Sprintf("cron monitor still up: %+v", m.StateChanges)
	})
	if !strings.Contains(m.StateChanges[0].Reason, "reported an error") {
		t.Errorf("down reason: %+v", m.StateChanges)
	}
	var list []monitorResp
	api.get("/api/0/organizations/"+proj.Organization+"/monitors/", &list)
	if len(list) != 1 || list[0].Name != "invoices" {
		t.Errorf("list %+v", list)
	}
}

// callDetail makes a request and returns its status and error detail.
func (c apiClient) callDetail(method, path, body string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Detail string }
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Detail
}

// Jobs without an SDK check in with plain HTTP requests, as Sentry's cron
// URL takes them; the monitor appears on the first one and its schedule can
// be set later.
func TestCronHTTPCheckIns(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + srv.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct{ Detail string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Detail
	}
	url := fmt.Sprintf("/api/%d/cron/backup/%s/", proj.ProjectID, proj.PublicKey)
	const run = "5a1e07c1b4a84f3c9c7f4d2e8a6b1c30"
	for _, q := range []string{"?status=in_progress&check_in_id=" + run, "?status=ok&check_in_id=" + run + "&duration=2.5"} {
		if code, detail := get(url + q); code != http.StatusAccepted {
			t.Fatalf("check-in %s: %d %s", q, code, detail)
		}
	}
	for q, want := range map[string]int{"?status=finished": http.StatusBadRequest, "?duration=soon": http.StatusBadRequest} {
		if code, _ := get(url + q); code != want {
			t.Errorf("check-in %s: %d, want %d", q, code, want)
		}
	}
	if code, _ := get(fmt.Sprintf("/api/%d/cron/backup/%032d/?status=ok", proj.ProjectID, 0)); code != http.StatusUnauthorized {
		t.Errorf("unknown key: %d, want 401", code)
	}
	base := "/api/0/organizations/" + proj.Organization + "/monitors/backup/"
	if run := waitForOneOKRun(t, api, base); run.Duration == nil || *run.Duration != 2500 {
		t.Errorf("run %+v, want 2500 ms", run)
	}
	// Sentry's older form names the project by the key alone.
	if code, detail := get(fmt.Sprintf("/api/0/cron/backup/%s/?status=error", proj.PublicKey)); code != http.StatusAccepted {
		t.Fatalf("/api/0/cron/ check-in: %d %s", code, detail)
	}
	var m monitorResp
	waitUntil(t, func() (bool, string) {
		api.get(base, &m)
		return m.IsUp != nil && !*m.IsUp, fmt.Sprintf("monitor %+v", m)
	})
	if m.Schedule.Type != "" {
		t.Errorf("a schedule appeared from nowhere: %+v", m.Schedule)
	}
	if code, detail := api.callDetail("PUT", base, `{"schedule":{"type":"crontab","value":"0 3 * * *"},"timezone":"Europe/Vienna","checkinMargin":10}`); code != http.StatusOK {
		t.Fatalf("set schedule: %d %s", code, detail)
	}
	api.get(base, &m)
	if m.Schedule.Type != "crontab" || m.Schedule.Value != "0 3 * * *" {
		t.Errorf("schedule %+v", m.Schedule)
	}
	for _, bad := range []string{`{"schedule":{"type":"crontab","value":"at noon"}}`, `{"schedule":{"type":"interval","value":0,"unit":"hour"}}`,
		`{"schedule":{"type":"crontab","value":"0 3 * * *"},"timezone":"Mars/Olympus"}`} {
		if code, _ := api.callDetail("PUT", base, bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
	// A POST with a monitor_config changes the schedule as an SDK would.
	req, _ := http.NewRequest(http.MethodPost, "http://"+srv.addr+url, strings.NewReader(`{"status":"ok","monitor_config":{"schedule":{"type":"interval","value":2,"unit":"hour"}}}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST check-in: %d", resp.StatusCode)
	}
	waitUntil(t, func() (bool, string) {
		api.get(base, &m)
		return m.Schedule.Type == "interval" && m.Schedule.Value == "2 hour", fmt.Sprintf("schedule %+v", m.Schedule)
	})
}

// A public status page shows chosen monitors' states to anyone, never
// their URLs, and only the organization's own monitors.
func TestStatusPages(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	other := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	otherAPI := apiClient{t: t, base: "http://" + srv.addr, token: other.Token}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer site.Close()
	create := func(api apiClient, org, body string) string {
		var m monitorResp
		if code := api.call("POST", "/api/0/organizations/"+org+"/monitors/", body, &m); code != http.StatusCreated {
			t.Fatalf("create monitor: %d", code)
		}
		return m.ID
	}
	up := create(api, proj.Organization, fmt.Sprintf(`{"monitorType":"GET","name":"Website","url":%q,"interval":60}`, site.URL+"/secret-path"))
	down := create(api, proj.Organization, `{"monitorType":"TCP Port","name":"Database","url":"127.0.0.1:1","interval":60,"failureThreshold":1}`)
	foreign := create(otherAPI, other.Organization, `{"monitorType":"TCP Port","name":"Not yours","url":"127.0.0.1:1","interval":60}`)
	pages := "/api/0/organizations/" + proj.Organization + "/status-pages/"
	var page struct {
		Slug     string
		URL      string
		Monitors []int64
	}
	if code := api.call("POST", pages, `{"name":"Acme status","slug":"acme","monitors":[`+up+`,`+down+`,`+foreign+`]}`, &page); code != http.StatusCreated {
		t.Fatalf("create status page: %d", code)
	}
	if len(page.Monitors) != 2 || page.URL != "/status/"+proj.Organization+"/acme/" {
		t.Errorf("status page %+v, want the two own monitors", page)
	}
	if code, detail := api.callDetail("POST", pages, `{"name":"Dup","slug":"acme"}`); code != http.StatusBadRequest || !strings.Contains(detail, "taken") {
		t.Errorf("duplicate slug: %d %q", code, detail)
	}
	if code, _ := api.callDetail("POST", pages, `{"name":"Bad","slug":"Not A Slug"}`); code != http.StatusBadRequest {
		t.Errorf("bad slug: %d", code)
	}
	public := "http://" + srv.addr + "/api/0/status-pages/" + proj.Organization + "/acme/"
	type publicPage struct {
		Name     string
		Status   string
		Monitors []struct {
			Name, State string
			Days        []struct{ Checks, Down int }
		}
	}
	// Both monitors get their first verdict before anyone looks (the public
	// answer is cached for 30 s).
	waitUntil(t, func() (bool, string) {
		var list []monitorResp
		api.get("/api/0/organizations/"+proj.Organization+"/monitors/", &list)
		known := 0
		for _, m := range list {
			if m.IsUp != nil {
				known++
			}
		}
		return known == 2, fmt.Sprintf("monitors %+v", list)
	})
	var body []byte
	var got publicPage
	waitUntil(t, func() (bool, string) {
		resp, err := http.Get(public) // no credentials
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=30" {
			t.Fatalf("public page: %d %s %q", resp.StatusCode, body, resp.Header.Get("Cache-Control"))
		}
		_ = json.Unmarshal(body, &got)
		return got.Status == "degraded" && len(got.Monitors) == 2 && got.Monitors[0].State == "up" && got.Monitors[1].State == "down",
			fmt.Sprintf("public page %s", body)
	})
	if got.Name != "Acme status" || len(got.Monitors[0].Days) < 90 || strings.Contains(string(body), "secret-path") || strings.Contains(string(body), "127.0.0.1") {
		t.Errorf("public page %s", body)
	}
	if code := api.call("PUT", pages+"acme/", `{"name":"Acme status","isPublic":false,"monitors":[`+up+`]}`, nil); code != http.StatusOK {
		t.Fatalf("hide: %d", code)
	}
	resp, err := http.Get(public)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("hidden page: %d, want 404 (the cache must not keep it)", resp.StatusCode)
	}
	if code := api.call("DELETE", pages+"acme/", "", nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
}

// Runs reported by sentry-go that take too long, and runs that never come,
// turn the cron monitor down; a run on time turns it up again. The server's
// monitor clock is moved forward instead of waiting for the schedule.
func TestSentryGoCronRunsTooLongAndMissed(t *testing.T) {
	var offset atomic.Int64
	cfg := testConfig(t)
	tm := testTiming()
	tm.monitorClock = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	srv := testServerTimed(t, cfg, tm)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	client, hub := sentryHub(t, srv, proj)
	config := &sentry.MonitorConfig{Schedule: sentry.IntervalSchedule(10, sentry.MonitorScheduleUnitMinute), CheckInMargin: 1, MaxRuntime: 5}
	base := "/api/0/organizations/" + proj.Organization + "/monitors/reindex/"
	var m monitorResp
	waitFor := func(up bool, reason string) {
		t.Helper()
		waitUntil(t, func() (bool, string) {
			api.get(base, &m)
			return m.IsUp != nil && *m.IsUp == up && (len(m.StateChanges) == 0 || strings.Contains(m.StateChanges[0].Reason, reason)),
				fmt.Sprintf("want up=%v (%q): %+v", up, reason, m.StateChanges)
		})
	}

	run := hub.CaptureCheckIn(&sentry.CheckIn{MonitorSlug: "reindex", Status: sentry.CheckInStatusInProgress}, config)
	client.Flush(10 * time.Second)
	waitFor(true, "first check")
	offset.Store(int64(6 * time.Minute)) // still in progress past its 5-minute maximum
	waitFor(false, "timed out")

	offset.Store(0) // the run finishes after all, on time
	hub.CaptureCheckIn(&sentry.CheckIn{ID: *run, MonitorSlug: "reindex", Status: sentry.CheckInStatusOK, Duration: 4 * time.Minute}, config)
	client.Flush(10 * time.Second)
	waitFor(true, "succeeded again")

	offset.Store(int64(12 * time.Minute)) // the next run, due 10 minutes after, never checks in
	waitFor(false, "missed")
}

type cronRun struct {
	CheckInID string
	Status    string
	Duration  *float64
}

// waitForOneOKRun waits until the cron monitor at base lists exactly one
// run, finished ok, and returns it.
func waitForOneOKRun(t *testing.T, api apiClient, base string) cronRun {
	t.Helper()
	var runs []cronRun
	waitUntil(t, func() (bool, string) {
		api.get(base+"checkins/", &runs)
		return len(runs) == 1 && runs[0].Status == "ok", fmt.Sprintf("runs %+v", runs)
	})
	return runs[0]
}

// sentryHub is an unmodified sentry-go client for a test project, closed
// when the test ends.
func sentryHub(t *testing.T, srv *server, proj metadata.BootstrapResult) (*sentry.Client, *sentry.Hub) {
	t.Helper()
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	return client, sentry.NewHub(client, sentry.NewScope())
}
