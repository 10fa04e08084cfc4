package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/getsentry/sentry-go"
)

const testSecret = "e2e-test-secret-key"

// testServer runs the whole of `faultline serve` in-process against the
// test databases and an embedded Kafka broker of its own.
func testServer(t *testing.T) *server {
	t.Helper()
	return testServerWith(t, testConfig(t))
}

// testConfig is testServer's configuration, to change before starting one.
func testConfig(t *testing.T) config {
	return config{
		Listen:        "127.0.0.1:0",
		DatabaseURL:   metadatatest.URL(t),
		ClickHouseURL: analyticstest.URL(t),
		DataDir:       t.TempDir(),
		SecretKey:     testSecret,
		// Tests' monitors check servers on 127.0.0.1.
		MonitorAllowPrivate: "true",
	}
}

// testTiming is the test servers' timing: monitors check 60 times as often.
func testTiming() timing { return timing{monitorTimeScale: 60} }

func testServerWith(t *testing.T, cfg config) *server {
	t.Helper()
	return testServerTimed(t, cfg, testTiming())
}

// testServerTimed is testServerWith with the scheduler's periods set by tm.
func testServerTimed(t *testing.T, cfg config, tm timing) *server {
	t.Helper()
	started := time.Now()
	srv, err := startServerTimed(context.Background(), cfg, quietLog(), tm)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		metadatatest.ForgetMonitorsSince(t, started)
		if err := srv.stop(); err != nil {
			t.Errorf("stop server: %v", err)
		}
	})
	return srv
}

type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// get fetches an /api/0/ path into out and returns the status code.
func (c apiClient) get(path string, out any) int {
	c.t.Helper()
	code, _ := c.getWithLink(path, out)
	return code
}

// getWithLink is get that also returns the Link header.
func (c apiClient) getWithLink(path string, out any) (int, string) {
	c.t.Helper()
	code, header, body := c.getResponse(path)
	if out != nil && code == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			c.t.Fatalf("GET %s: %v in %s", path, err, body)
		}
	}
	return code, header.Get("Link")
}

// getRaw fetches path with the token and returns the status and the body.
func (c apiClient) getRaw(path string) (int, []byte) {
	c.t.Helper()
	code, _, body := c.getResponse(path)
	return code, body
}

// getResponse fetches path (with the token, if any) and returns the status,
// the headers and the body.
func (c apiClient) getResponse(path string) (int, http.Header, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

type issueResp struct {
	ID        string `json:"id"`
	ShortID   string `json:"shortId"`
	Title     string `json:"title"`
	Culprit   string `json:"culprit"`
	Level     string `json:"level"`
	Status    string `json:"status"`
	Count     string `json:"count"`
	UserCount int    `json:"userCount"`
	FirstSeen string `json:"firstSeen"`
	LastSeen  string `json:"lastSeen"`
}

type paymentError struct{ order int }

func (e *paymentError) Error() string { return fmt.Sprintf("payment declined for order %d", e.order) }

func chargeCard(order int) error { return &paymentError{order: order} }

func loadConfig() error { return errors.New("config file missing") }

// TestSentryGoErrorsBecomeIssues sends errors with the unmodified sentry-go
// SDK and reads them back, grouped, through the API.
func TestSentryGoErrorsBecomeIssues(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	dsn := fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)

	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: dsn, Release: "shop@2.0.1", Environment: "production"})
	if err != nil {
		t.Fatalf("sentry client: %v", err)
	}
	defer client.Close()
	hub := sentry.NewHub(client, sentry.NewScope())
	hub.Scope().SetUser(sentry.User{ID: "u1"})
	for order := range 3 {
		hub.CaptureException(chargeCard(order))
	}
	hub.Scope().SetUser(sentry.User{ID: "u2"})
	for range 2 {
		hub.CaptureException(loadConfig())
	}
	hub.CaptureMessage("cache warmed up")
	func() {
		defer func() {
			if r := recover(); r != nil {
				hub.Recover(r)
			}
		}()
		var orders []int
		_ = orders[3] // a runtime panic, recovered and sent as sentry-go's handlers do
	}()
	if !client.Flush(10 * time.Second) {
		t.Fatal("sentry-go could not deliver its events")
	}

	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	path := fmt.Sprintf("/api/0/projects/%s/%s/issues/", proj.Organization, proj.Project)
	issues := waitForCount(t, api, proj.Organization, proj.Project, 7)

	byTitle := map[string]issueResp{}
	for _, is := range issues {
		byTitle[is.Title] = is
	}
	if len(byTitle) != 4 {
		t.Fatalf("want 4 issues, got %d: %+v", len(byTitle), issues)
	}
	var sawPanic bool
	for title, is := range byTitle {
		sawPanic = sawPanic || strings.Contains(title, "index out of range") && is.Count == "1"
	}
	if !sawPanic {
		t.Errorf("no issue for the recovered panic: %+v", issues)
	}
	payment := byTitle["*main.paymentError: payment declined for order 2"]
	if payment.Count != "3" || payment.UserCount != 1 || payment.Level != "error" || payment.Status != "unresolved" {
		t.Errorf("payment issue = %+v, want count 3, 1 user, level error, unresolved", payment)
	}
	if !strings.Contains(payment.Culprit, "chargeCard") && !strings.Contains(payment.Culprit, "TestSentryGo") {
		t.Errorf("payment culprit %q names neither the failing function nor its caller", payment.Culprit)
	}
	if !strings.HasPrefix(payment.ShortID, strings.ToUpper(proj.Project)+"-") {
		t.Errorf("shortId %q does not start with the project slug", payment.ShortID)
	}
	config := byTitle["*errors.errorString: config file missing"]
	if config.Count != "2" {
		t.Errorf("config issue = %+v, want count 2", config)
	}
	if msg := byTitle["cache warmed up"]; msg.Count != "1" || msg.Level != "info" {
		t.Errorf("message issue = %+v, want count 1, level info", msg)
	}
	// Newest first.
	for i := 1; i < len(issues); i++ {
		if issues[i-1].LastSeen < issues[i].LastSeen {
			t.Errorf("issues not sorted by lastSeen, newest first: %s before %s", issues[i-1].LastSeen, issues[i].LastSeen)
		}
	}

	// Pages of two, following the Link header's next cursor.
	var page1, page2 []issueResp
	_, link := api.getWithLink(path+"?limit=3", &page1)
	if len(page1) != 3 || !strings.Contains(link, `rel="next"; results="true"; cursor="0:3:0"`) ||
		!strings.Contains(link, `rel="previous"; results="false"`) {
		t.Fatalf("first page: %d issues, Link %s", len(page1), link)
	}
	_, link = api.getWithLink(path+"?limit=3&cursor=0:3:0", &page2)
	if len(page2) != 1 || page2[0].ID == page1[0].ID || page2[0].ID == page1[1].ID || page2[0].ID == page1[2].ID ||
		!strings.Contains(link, `rel="next"; results="false"`) || !strings.Contains(link, `rel="previous"; results="true"; cursor="0:0:1"`) {
		t.Fatalf("second page: %+v, Link %s", page2, link)
	}

	var one issueResp
	if code := api.get("/api/0/issues/"+payment.ID+"/", &one); code != http.StatusOK || one.Count != "3" {
		t.Errorf("GET issue: status %d, %+v", code, one)
	}
	var events []struct {
		EventID string `json:"eventID"`
		GroupID string `json:"groupID"`
	}
	if code := api.get("/api/0/issues/"+payment.ID+"/events/", &events); code != http.StatusOK || len(events) != 3 {
		t.Fatalf("issue events: status %d, %d events, want 3", code, len(events))
	}
	for _, e := range events {
		if e.GroupID != payment.ID || len(e.EventID) != 32 {
			t.Errorf("event %+v does not belong to issue %s", e, payment.ID)
		}
	}

	var latest struct {
		EventID     string `json:"eventID"`
		Release     string `json:"release"`
		Environment string `json:"environment"`
		Entries     []struct {
			Type string `json:"type"`
			Data struct {
				Values []struct {
					Type       string `json:"type"`
					Value      string `json:"value"`
					Stacktrace struct {
						Frames []struct {
							Function string `json:"function"`
							InApp    bool   `json:"inApp"`
							LineNo   int    `json:"lineNo"`
						} `json:"frames"`
					} `json:"stacktrace"`
				} `json:"values"`
			} `json:"data"`
		} `json:"entries"`
	}
	if code := api.get("/api/0/issues/"+payment.ID+"/events/latest/", &latest); code != http.StatusOK {
		t.Fatalf("latest event: status %d", code)
	}
	if latest.Release != "shop@2.0.1" || latest.Environment != "production" {
		t.Errorf("latest event release/environment = %q/%q", latest.Release, latest.Environment)
	}
	var frames, inApp int
	var sawTest bool
	for _, entry := range latest.Entries {
		if entry.Type != "exception" {
			continue
		}
		for _, ex := range entry.Data.Values {
			if ex.Type != "*main.paymentError" {
				t.Errorf("exception type %q", ex.Type)
			}
			for _, f := range ex.Stacktrace.Frames {
				frames++
				if f.InApp {
					inApp++
				}
				sawTest = sawTest || strings.Contains(f.Function, "TestSentryGoErrorsBecomeIssues")
			}
		}
	}
	if frames == 0 || inApp == 0 || !sawTest {
		t.Errorf("latest event: %d frames, %d in-app, test function seen %v; want an exception with in-app frames", frames, inApp, sawTest)
	}
}

func TestAPIRequiresToken(t *testing.T) {
	srv := testServer(t)
	other := metadatatest.Project(t, srv.db, testSecret)
	mine := metadatatest.Project(t, srv.db, testSecret)
	cases := []struct {
		name, token, path string
		want              int
	}{
		{"no token", "", "/api/0/", http.StatusUnauthorized},
		{"bad token", "flt_nope", "/api/0/", http.StatusUnauthorized},
		{"good token", mine.Token, "/api/0/", http.StatusOK},
		{"own project", mine.Token, fmt.Sprintf("/api/0/projects/%s/%s/issues/", mine.Organization, mine.Project), http.StatusOK},
		{"other org's project", mine.Token, fmt.Sprintf("/api/0/projects/%s/%s/issues/", other.Organization, other.Project), http.StatusNotFound},
		{"missing issue", mine.Token, "/api/0/issues/999999999/", http.StatusNotFound},
		{"unknown route", mine.Token, "/api/0/nothing-here/", http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := apiClient{t: t, base: "http://" + srv.addr, token: tc.token}
			if got := api.get(tc.path, nil); got != tc.want {
				t.Errorf("GET %s: status %d, want %d", tc.path, got, tc.want)
			}
		})
	}
}

func TestHealthAndIndex(t *testing.T) {
	srv := testServer(t)
	for _, path := range []string{"/.well-known/healthz", "/_health/"} {
		resp, err := http.Get("http://" + srv.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
		}
	}
	resp, err := http.Get("http://" + srv.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Faultline") {
		t.Errorf("GET /: %d, page does not name Faultline", resp.StatusCode)
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "strict-origin-when-cross-origin",
		"Content-Security-Policy": "frame-ancestors 'none'",
	} {
		if got := resp.Header.Get(name); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent although the server's URL is plain http")
	}
}

func mustURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u
}
