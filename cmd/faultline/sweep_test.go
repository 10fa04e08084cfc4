package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// requireLive fails the test unless the server still answers its liveness
// probe.
func requireLive(t *testing.T, srv *server) {
	t.Helper()
	resp, err := http.Get("http://" + srv.addr + "/.well-known/live")
	if err != nil {
		t.Fatalf("the server no longer answers: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /.well-known/live: %d", resp.StatusCode)
	}
}

// Each of these once took the whole process down with one GET (a period
// whose duration overflowed and sized a series, a cursor offset that
// overflowed and sliced the monitor list) or answered 500 (a NUL byte that
// reached PostgreSQL). A period longer than events are kept (90 days here)
// is now cut to it; the rest answer 400 naming their parameter.
func TestHostileParameters(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	org := "/api/0/organizations/" + proj.Organization
	var mon monitorResp
	if code := api.call("POST", org+"/monitors/", `{"monitorType":"Heartbeat","name":"nightly","interval":3600}`, &mon); code != http.StatusCreated {
		t.Fatalf("create monitor: %d", code)
	}
	// A clamped series starts within the retention window (and the one
	// buckets, at most a day each, its start may be aligned to) and has at most
	// 2000 points.
	earliest := time.Now().Add(-92 * 24 * time.Hour).Unix()
	eventsSeries := func(b []byte) error {
		var s struct {
			Data  []json.RawMessage
			Start int64
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if len(s.Data) == 0 || len(s.Data) > 2000 || s.Start < earliest {
			return fmt.Errorf("%d points from %d, want 1 to 2000 from %d on", len(s.Data), s.Start, earliest)
		}
		return nil
	}
	monitorSeries := func(b []byte) error {
		var s struct{ Series []struct{ Start int64 } }
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if len(s.Series) == 0 || len(s.Series) > 2000 || s.Series[0].Start < earliest {
			return fmt.Errorf("%d points, want 1 to 2000 from %d on", len(s.Series), earliest)
		}
		return nil
	}
	for _, tc := range []struct {
		name, path string
		want       int
		param      string             // named by a 400
		check      func([]byte) error // of a 200
	}{
		{"events-stats period past int64 nanoseconds", org + "/events-stats/?statsPeriod=106752d", 200, "", eventsSeries},
		{"events-stats period past uint64", org + "/events-stats/?statsPeriod=99999999999999999999d&interval=1d", 200, "", eventsSeries},
		{"events-stats interval of zero", org + "/events-stats/?interval=0m", 400, "interval", nil},
		{"events-stats interval too small for its period", org + "/events-stats/?statsPeriod=90d&interval=1m", 400, "interval", nil},
		{"monitor stats period past int64 nanoseconds", org + "/monitors/" + mon.ID + "/stats/?statsPeriod=9999999999999d", 200, "", monitorSeries},
		{"monitor list cursor offset at int64's maximum", org + "/monitors/?cursor=0:9223372036854775807:0", 400, "cursor", nil},
		{"monitor list cursor offset past int64", org + "/monitors/?cursor=0:99999999999999999999:0", 400, "cursor", nil},
		{"monitor list cursor without a number", org + "/monitors/?cursor=0:x:0", 400, "cursor", nil},
		{"NUL in an issue search", "/api/0/projects/" + proj.Organization + "/" + proj.Project + "/issues/?query=a%00b", 400, "query", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := api.getRaw(tc.path)
			var e struct{ Detail string }
			_ = json.Unmarshal(body, &e)
			switch {
			case code != tc.want:
				t.Errorf("GET %s: %d %s, want %d", tc.path, code, body, tc.want)
			case code == http.StatusBadRequest && !strings.Contains(e.Detail, tc.param):
				t.Errorf("GET %s: 400 %q does not name %s", tc.path, e.Detail, tc.param)
			case tc.check != nil:
				if err := tc.check(body); err != nil {
					t.Errorf("GET %s: %v", tc.path, err)
				}
			}
			requireLive(t, srv)
		})
	}
}

// Bodies the body sweep found answered 500: a NUL byte that reached
// PostgreSQL, and numbers past PostgreSQL's integers. Each now answers 400
// naming what is wrong.
func TestHostileBodiesAnswer400(t *testing.T) {
	srv := testServer(t)
	f, api := newSweepFixture(t, srv)
	project := "/api/0/projects/" + f.org + "/" + f.project
	for _, tc := range []struct{ method, path, body, want string }{
		{"POST", "/api/0/issues/" + f.issueID + "/comments/", `{"text":"a\u0000b"}`, "NUL byte"},
		{"POST", "/api/0/organizations/", `{"name":"a\u0000b"}`, "NUL byte"},
		{"POST", "/api/0/auth/login/", `{"email":"a\u0000b@example.com","password":"x"}`, "NUL byte"},
		{"POST", project + "/alerts/", `{"name":"Flood","triggers":["frequency"],"timespanMinutes":1,"quantity":9223372036854775807}`, "quantity"},
		{"POST", project + "/alerts/", `{"name":"Flood","triggers":["users"],"usersQuantity":9223372036854775807}`, "usersQuantity"},
		{"PUT", project + "/keys/" + f.keyID + "/", `{"rateLimit":{"window":60,"count":9223372036854775807}}`, "rateLimit.count"},
		{"PUT", project + "/keys/" + f.keyID + "/", `{"rateLimit":{"window":9223372036,"count":1}}`, "rateLimit.window"},
		{"POST", "/api/0/organizations/" + f.org + "/monitors/", `{"monitorType":"Heartbeat","name":"x","interval":"2562047788015216:00:00"}`, "interval"},
	} {
		code, detail := api.callDetail(tc.method, tc.path, tc.body)
		if code != http.StatusBadRequest || !strings.Contains(detail, tc.want) {
			t.Errorf("%s %s %s: %d %q, want 400 naming %s", tc.method, tc.path, tc.body, code, detail, tc.want)
		}
	}
	requireLive(t, srv)
}

// sweepFixture holds the test project's real objects, which the sweeps
// fill path parameters with so that handlers get past their 404.
type sweepFixture struct {
	org, project, issueID, eventID, keyID, attachmentID    string
	monitorID, ruleID, team, statusSlug, memberID, tokenID string
}

func newSweepFixture(t *testing.T, srv *server) (sweepFixture, apiClient) {
	t.Helper()
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	f := sweepFixture{org: proj.Organization, project: proj.Project, eventID: "5a1e4f3a2b1c4d0e9f8a7b6c5d4e3f2b",
		team: "sweep-team", statusSlug: "sweep-status", memberID: fmt.Sprint(proj.UserID)}
	envelope := `{"event_id":"` + f.eventID + `"}` + "\n" + `{"type":"event"}` + "\n" +
		`{"message":"sweep message","environment":"production","tags":{"browser":"Firefox"}}` + "\n" +
		`{"type":"attachment","filename":"notes.txt","length":5}` + "\n" + "notes" + "\n"
	if resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, envelope, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("event: %d %s", resp.StatusCode, body)
	}
	f.issueID = waitForCount(t, api, f.org, f.project, 1)[0].ID
	var attachments []struct{ ID string }
	waitUntil(t, func() (bool, string) {
		api.get(fmt.Sprintf("/api/0/projects/%s/%s/events/%s/attachments/", f.org, f.project, f.eventID), &attachments)
		return len(attachments) == 1, fmt.Sprintf("attachments %+v", attachments)
	})
	f.attachmentID = attachments[0].ID
	var keys []struct{ ID string }
	api.get(fmt.Sprintf("/api/0/projects/%s/%s/keys/", f.org, f.project), &keys)
	f.keyID = keys[0].ID
	var mon, rule struct{ ID string }
	for _, c := range []struct {
		path, body string
		out        any
	}{
		{"/api/0/organizations/" + f.org + "/monitors/", `{"monitorType":"Heartbeat","name":"Sweep","interval":3600}`, &mon},
		{"/api/0/organizations/" + f.org + "/teams/", `{"name":"Sweep Team","slug":"sweep-team"}`, nil},
		{fmt.Sprintf("/api/0/projects/%s/%s/alerts/", f.org, f.project),
			`{"name":"Sweep","triggers":["new_issue"],"alertRecipients":[{"recipientType":"email","url":""}]}`, &rule},
	} {
		if code := api.call("POST", c.path, c.body, c.out); code != http.StatusCreated {
			t.Fatalf("POST %s: %d", c.path, code)
		}
	}
	f.monitorID, f.ruleID = mon.ID, rule.ID
	if code := api.call("POST", "/api/0/organizations/"+f.org+"/status-pages/",
		`{"name":"Sweep status","slug":"sweep-status","monitors":[`+mon.ID+`]}`, nil); code != http.StatusCreated {
		t.Fatalf("status page: %d", code)
	}
	tokens, err := srv.db.ListTokens(t.Context(), proj.UserID)
	if err != nil || len(tokens) == 0 {
		t.Fatalf("tokens: %v", err)
	}
	f.tokenID = fmt.Sprint(tokens[0].ID)
	return f, api
}

// fill puts the fixture's objects into an OpenAPI path.
func (f sweepFixture) fill(path string) string {
	path = strings.NewReplacer("{org}", f.org, "{project}", f.project, "{key_id}", f.keyID, "{event_id}", f.eventID,
		"{team}", f.team, "{slug}", f.statusSlug, "{member_id}", f.memberID, "{token}", "no-such-invitation",
		"{endpoint_id}", "no-such-endpoint").Replace(path)
	id := f.issueID
	switch {
	case strings.Contains(path, "/attachments/{id}/"):
		id = f.attachmentID
	case strings.Contains(path, "/alerts/{id}/"):
		id = f.ruleID
	case strings.Contains(path, "/monitors/{id}/"):
		id = f.monitorID
	case strings.HasPrefix(path, "/api/0/api-tokens/"):
		id = f.tokenID
	}
	return strings.Replace(path, "{id}", id, 1)
}

// sweepParams are query parameters sent to every GET route besides those
// it declares.
var sweepParams = []string{"statsPeriod", "interval", "cursor", "per_page", "limit", "query", "sort", "start", "end",
	"field", "yAxis", "environment", "project"}

// hostileValues are sent, escaped, in each query parameter: numbers past
// int64 and past what a duration holds, negative and zero, NUL bytes,
// invalid UTF-8, a string past the server's header buffer and one within
// it, values of the wrong type, and cursors that are not ours.
var hostileValues = []string{
	"9223372036854775807", "99999999999999999999", "106752d", "9999999999999d", "-1", "-1d", "0", "0d", "",
	"\x00", "a\x00b", "\xff\xfe", strings.Repeat("a", 100<<10), strings.Repeat("is:ünresolved ", 100),
	"[]", "{}", "true", "1e309", "NaN", "0:9223372036854775807:0", ":::", "-5:-5:-5", "0:-1:0",
}

// sharpValues are the hostile values sent in the common parameters a
// route does not declare (and so should ignore), to keep the sweep short.
var sharpValues = []string{"99999999999999999999", "9999999999999d", "-1", "a\x00b", "\xff\xfe", "0:9223372036854775807:0"}

// bodyFields are the fields of every JSON body the API reads.
var bodyFields = []string{"name", "slug", "email", "password", "current", "new", "url", "monitorType", "interval", "timeout",
	"expectedStatus", "expectedBody", "expectedBodyAbsent", "body", "headers", "followRedirects", "failureThreshold",
	"tlsExpiryDays", "project", "environment", "paused", "status", "substatus", "statusDetails", "assignedTo", "merge",
	"hasSeen", "isBookmarked", "isPublic", "ignoreDuration", "ignoreCount", "ignoreUntil", "text", "role", "teams", "scopes",
	"platform", "triggers", "filters", "alertRecipients", "alertEmails", "timespanMinutes", "intervalMinutes", "quantity",
	"monitors", "isActive", "rateLimit", "allowedDomains", "scrubData", "apdexThreshold", "quotas", "spikeProtection",
	"token", "code", "otp", "schedule", "checkinMargin", "maxRuntime", "timezone", "enabled", "public", "value", "window",
	"default_rules", "resolveAge", "subjectPrefix", "options", "dataScrubber"}

// hostileJSON are the values each body field is sent with: numbers where
// strings go and past int64 and float64, deep arrays, a 100 KB string,
// null, a NUL byte, and the other JSON types.
var hostileJSON = []string{`12345`, `99999999999999999999`, `1e309`, `-1`, strings.Repeat("[", 500) + strings.Repeat("]", 500),
	`"` + strings.Repeat("x", 100<<10) + `"`, `null`, `"a\u0000b"`, `true`, `{}`, `[]`, `""`}

// sweepProbe is one request of a sweep.
type sweepProbe struct{ method, path, body string }

// sweep sends every probe with the token over a few keep-alive
// connections and reports each answer that is a 5xx other than 503, and
// each request the server did not answer. Requests larger than the
// server reads (a 100 KB query) may be refused by closing the connection.
func sweep(t *testing.T, base, token string, probes []sweepProbe) {
	t.Helper()
	const workers = 4
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	work := make(chan sweepProbe)
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	short := func(s string) string {
		if len(s) > 160 {
			return fmt.Sprintf("%s…(%d bytes)", s[:160], len(s))
		}
		return s
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for p := range work {
				req, _ := http.NewRequest(p.method, base+p.path, strings.NewReader(p.body))
				req.Header.Set("Authorization", "Bearer "+token)
				if p.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := client.Do(req)
				if err != nil {
					if len(p.path) < 8<<10 {
						var ue *url.Error
						if errors.As(err, &ue) {
							err = ue.Err
						}
						fail("%s %s: %v", p.method, short(p.path), err)
					}
					continue
				}
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
				resp.Body.Close()
				if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
					fail("%s %s (body %s): %d %s", p.method, short(p.path), short(p.body), resp.StatusCode, b)
				}
			}
		})
	}
	for _, p := range probes {
		work <- p
	}
	close(work)
	wg.Wait()
	for i, f := range failures {
		if i == 40 {
			t.Errorf("… and %d more", len(failures)-i)
			break
		}
		t.Error(f)
	}
}

// sweepOperation is one operation of the OpenAPI document: its method
// (upper case), path, and the query parameters it declares.
type sweepOperation struct {
	method, path string
	query        []string
}

func openAPIOperations(t *testing.T) []sweepOperation {
	t.Helper()
	var ops []sweepOperation
	for path, methods := range loadOpenAPI(t).Paths {
		for method, op := range methods {
			var query []string
			for _, p := range op.Parameters {
				if p.In == "query" {
					query = append(query, p.Name)
				}
			}
			ops = append(ops, sweepOperation{strings.ToUpper(method), path, query})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

// Every GET route of the OpenAPI document, called on the test project's
// real objects with hostile values in each query parameter it declares
// and in the common ones, answers without a 5xx (but 503), and the server
// is alive afterwards.
func TestHostileParameterSweep(t *testing.T) {
	srv := testServer(t)
	f, api := newSweepFixture(t, srv)
	var probes []sweepProbe
	routes := 0
	for _, op := range openAPIOperations(t) {
		if op.method != http.MethodGet {
			continue
		}
		routes++
		params := slices.Clone(op.query)
		for _, p := range sweepParams {
			if !slices.Contains(params, p) {
				params = append(params, p)
			}
		}
		path := f.fill(op.path)
		for _, p := range params {
			values := hostileValues
			if !slices.Contains(op.query, p) {
				values = sharpValues // a parameter the route does not declare
			}
			for _, v := range values {
				probes = append(probes, sweepProbe{method: "GET", path: path + "?" + url.QueryEscape(p) + "=" + url.QueryEscape(v)})
			}
		}
		// Every common parameter at once, with each value.
		for _, v := range hostileValues {
			q := url.Values{}
			for _, p := range sweepParams {
				q.Set(p, v)
			}
			probes = append(probes, sweepProbe{method: "GET", path: path + "?" + q.Encode()})
		}
		// And a few at once, as the charts send them.
		probes = append(probes,
			sweepProbe{method: "GET", path: path + "?statsPeriod=106752d&interval=1m&cursor=0:9223372036854775807:0&per_page=99999999999999999999"},
			sweepProbe{method: "GET", path: path + "?statsPeriod=1m&interval=9999999999999d&limit=0&topEvents=-1"},
			sweepProbe{method: "GET", path: path + "?start=0001-01-01T00:00:00Z&end=9999-12-31T23:59:59Z&query=lastSeen:-9999999999999d"},
			sweepProbe{method: "GET", path: path + "?query=firstSeen:%2B106752d+age:-99999999999999999999w"})
	}
	if routes < 40 {
		t.Fatalf("the OpenAPI document has only %d GET routes", routes)
	}
	started := time.Now()
	sweep(t, api.base, api.token, probes)
	t.Logf("%d GET routes, %d probes in %s", routes, len(probes), time.Since(started).Round(time.Millisecond))
	requireLive(t, srv)
}

// validBodies are bodies each route accepts, by route; the body sweep
// replaces each of their fields in turn with a hostile value, so that the
// value reaches the route's checks of that field rather than stopping at
// a missing one. {monitor} is the fixture's monitor id.
var validBodies = map[string]string{
	"POST /api/0/organizations/":                `{"name":"Sweep Org"}`,
	"POST /api/0/organizations/{org}/projects/": `{"name":"Sweep Project","platform":"go"}`,
	"PUT /api/0/projects/{org}/{project}/": `{"name":"Sweep","platform":"go","allowedDomains":["*"],"scrubData":true,"apdexThreshold":300,` +
		`"resolveAge":24,"subjectPrefix":"[sweep]","options":{"sentry:resolve_age":1,"sentry:origins":"*"}}`,
	"POST /api/0/teams/{org}/{team}/projects/":            `{"name":"Sweep Team Project","platform":"go","default_rules":true}`,
	"PUT /api/0/teams/{org}/{team}/":                      `{"name":"Sweep Team"}`,
	"PUT /api/0/organizations/{org}/":                     `{"name":"Sweep Org","requireSso":false}`,
	"POST /api/0/projects/{org}/{project}/keys/":          `{"name":"Sweep key"}`,
	"PUT /api/0/projects/{org}/{project}/keys/{key_id}/":  `{"name":"Sweep key","isActive":true,"rateLimit":{"window":60,"count":100}}`,
	"PUT /api/0/projects/{org}/{project}/issues/":         `{"status":"unresolved","assignedTo":"","hasSeen":true,"isBookmarked":true}`,
	"PUT /api/0/organizations/{org}/issues/":              `{"status":"unresolved","assignedTo":"","hasSeen":true,"isBookmarked":true}`,
	"POST /api/0/issues/{id}/comments/":                   `{"text":"sweep"}`,
	"PUT /api/0/issues/{id}/":                             `{"status":"resolved","statusDetails":{"inNextRelease":true},"assignedTo":"","hasSeen":true,"isBookmarked":true}`,
	"POST /api/0/organizations/{org}/members/":            `{"email":"sweep-invite@example.com","role":"member"}`,
	"PUT /api/0/organizations/{org}/members/{member_id}/": `{"role":"owner"}`,
	"POST /api/0/organizations/{org}/teams/":              `{"name":"Sweep Team Two"}`,
	"POST /api/0/api-tokens/":                             `{"name":"sweep","scopes":["org:read"]}`,
	"POST /api/0/organizations/{org}/monitors/": `{"monitorType":"GET","name":"Sweep","url":"https://example.com/","interval":60,"timeout":5,` +
		`"expectedStatus":"200-299","failureThreshold":2,"tlsExpiryDays":[7],"headers":{"X-A":"b"},"paused":true}`,
	"PUT /api/0/organizations/{org}/monitors/{id}/": `{"monitorType":"Heartbeat","name":"Sweep","interval":3600,"timeout":10}`,
	"POST /api/0/projects/{org}/{project}/alerts/": `{"name":"Sweep","triggers":["new_issue"],"timespanMinutes":1,"quantity":1,` +
		`"intervalMinutes":60,"filters":{"level":"error"},"alertRecipients":[{"recipientType":"email","url":""}]}`,
	"PUT /api/0/projects/{org}/{project}/alerts/{id}/": `{"name":"Sweep","triggers":["new_issue"],"timespanMinutes":1,"quantity":1,` +
		`"intervalMinutes":60,"filters":{"level":"error"},"alertRecipients":[{"recipientType":"email","url":""}]}`,
	"POST /api/0/organizations/{org}/status-pages/":       `{"name":"Sweep status two","slug":"sweep-status-two","monitors":[{monitor}],"isPublic":true}`,
	"PUT /api/0/organizations/{org}/status-pages/{slug}/": `{"name":"Sweep status","slug":"sweep-status","monitors":[{monitor}],"isPublic":true}`,
	"PUT /api/0/users/me/notifications/":                  `{"alertEmails":true}`,
	"PUT /api/0/organizations/{org}/quotas/":              `{"quotas":{"error":1000},"spikeProtection":true}`,
	"POST /api/0/auth/sso/link/":                          `{"token":"sweep-link-token","password":"sweep-password","otp":"123456"}`,
	"POST /api/0/organizations/{org}/repos/":              `{"name":"sweep/repo","url":"https://example.com/sweep/repo","provider":"integrations:custom_scm"}`,
}

// nestedBodies reach numbers inside objects that field-by-field
// replacement leaves alone.
var nestedBodies = map[string][]string{
	"PUT /api/0/projects/{org}/{project}/keys/{key_id}/": {`{"rateLimit":{"window":9223372036854775807,"count":1}}`,
		`{"rateLimit":{"window":1,"count":9223372036854775807}}`, `{"rateLimit":{"window":-1,"count":-1}}`,
		`{"rateLimit":{"window":99999999999999999999,"count":1}}`},
	"PUT /api/0/projects/{org}/{project}/": {`{"options":{"sentry:resolve_age":9223372036854775807}}`, `{"options":{"sentry:resolve_age":1e309}}`,
		`{"options":{"sentry:origins":"` + strings.Repeat("a\\n", 50<<10) + `"}}`, `{"options":{"sentry:scrub_data":"no"}}`, `{"options":null}`,
		`{"options":{"mail:subject_prefix":"` + strings.Repeat("x", 100<<10) + `"}}`},
	"PUT /api/0/issues/{id}/": {`{"status":"resolved","statusDetails":{"inRelease":"a\u0000b"}}`,
		`{"status":"resolved","statusDetails":{"inRelease":"` + strings.Repeat("9", 100<<10) + `"}}`,
		`{"status":"resolved","statusDetails":{"inRelease":"\ud800"}}`, `{"status":"resolved","statusDetails":{"inRelease":"latest"}}`,
		`{"status":"resolved","statusDetails":{"inRelease":12}}`, `{"status":"resolved","statusDetails":{"inNextRelease":"yes"}}`},
	"PUT /api/0/organizations/{org}/quotas/": {`{"quotas":{"error":9223372036854775807}}`, `{"quotas":{"error":-1}}`,
		`{"quotas":{"error":1e309}}`, `{"quotas":{"":1}}`},
	"POST /api/0/projects/{org}/{project}/alerts/": {`{"name":"Sweep","triggers":["new_issue"],"alertRecipients":[{"recipientType":"webhook","url":"http://[::1"}]}`,
		`{"name":"Sweep","triggers":["slow_transaction"],"transaction":"x","p95Threshold":1e308}`,
		`{"name":"Sweep","triggers":["new_issue"],"filters":{"tags":{"":""}}}`},
}

// withField is body (a JSON object) with field set to value.
func withField(t *testing.T, body, field, value string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("valid body %s: %v", body, err)
	}
	m[field] = json.RawMessage(value)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("body with %s=%s: %v", field, value, err)
	}
	return string(b)
}

// sharpJSON are the values each body field is sent with on its own.
var sharpJSON = []string{`12345`, `99999999999999999999`, strings.Repeat("[", 500) + strings.Repeat("]", 500),
	`"` + strings.Repeat("x", 100<<10) + `"`, `null`, `"a\u0000b"`}

// Every POST and PUT route of the OpenAPI document, sent JSON bodies with
// each field type-confused (numbers where strings go, numbers past int64
// and float64, deep arrays, 100 KB strings, null, NUL bytes), bodies that
// are not objects and bodies that are not JSON, answers without a 5xx (but
// 503), and the server is alive afterwards.
func TestHostileBodySweep(t *testing.T) {
	srv := testServer(t)
	f, api := newSweepFixture(t, srv)
	var probes, last []sweepProbe
	routes := 0
	for _, op := range openAPIOperations(t) {
		if op.method != http.MethodPost && op.method != http.MethodPut || op.path == "/api/0/auth/logout/" {
			continue
		}
		routes++
		path := f.fill(op.path)
		var bodies []string
		for _, field := range bodyFields {
			for _, v := range sharpJSON {
				bodies = append(bodies, `{"`+field+`":`+v+`}`)
			}
		}
		for _, v := range hostileJSON {
			all := make([]string, len(bodyFields))
			for i, field := range bodyFields {
				all[i] = `"` + field + `":` + v
			}
			bodies = append(bodies, v, "{"+strings.Join(all, ",")+"}")
		}
		bodies = append(bodies, `{`, `{"name":`, "\x00", `{"name":"a"}{"name":"b"}`)
		route := op.method + " " + op.path
		if valid, ok := validBodies[route]; ok {
			valid = strings.ReplaceAll(valid, "{monitor}", f.monitorID)
			var fields map[string]json.RawMessage
			_ = json.Unmarshal([]byte(valid), &fields)
			for field := range fields {
				for _, v := range append(sharpJSON, `9223372036854775807`, `-9223372036854775808`, `1e308`, `-1`, `0`, `""`) {
					bodies = append(bodies, withField(t, valid, field, v))
				}
			}
			delete(validBodies, route)
		}
		bodies = append(bodies, nestedBodies[route]...)
		if strings.HasSuffix(op.path, "/issues/") {
			path += "?id=" + f.issueID // a bulk change names its issues
		}
		for _, b := range bodies {
			p := sweepProbe{method: op.method, path: path, body: b}
			if op.path == "/api/0/projects/{org}/{project}/" {
				last = append(last, p) // may rename the project the other routes use
				continue
			}
			probes = append(probes, p)
		}
	}
	if routes < 30 {
		t.Fatalf("the OpenAPI document has only %d POST and PUT routes", routes)
	}
	for route := range validBodies {
		t.Errorf("%s has a valid body but is not in the OpenAPI document", route)
	}
	started := time.Now()
	sweep(t, api.base, api.token, append(probes, last...))
	t.Logf("%d POST and PUT routes, %d probes in %s", routes, len(probes)+len(last), time.Since(started).Round(time.Millisecond))
	requireLive(t, srv)
}
