package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

func gzipped(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

// TestIngestAnswers checks the status and message of every kind of answer
// ingest gives, against the real server, key store and broker.
func TestIngestAnswers(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	other := metadatatest.Project(t, srv.db, testSecret)
	ctx := context.Background()
	disabled := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.SetKeyActive(ctx, disabled.PublicKey, false); err != nil {
		t.Fatal(err)
	}

	const eventID = "0ef7d9cd86b9412082fee68473d5a5d6"
	event := `{"event_id":"` + eventID + `","message":"hello","level":"info"}`
	envelope := `{"event_id":"` + eventID + `"}` + "\n" + `{"type":"event"}` + "\n" + event
	auth := func(key string) map[string]string {
		return map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=" + key}
	}
	envPath := fmt.Sprintf("/api/%d/envelope/", proj.ProjectID)
	storePath := fmt.Sprintf("/api/%d/store/", proj.ProjectID)
	huge := `{"message":"` + strings.Repeat("x", 2<<20) + `"}`

	cases := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		body    string
		status  int
		want    string // substring of the body
	}{
		{"envelope with X-Sentry-Auth", "POST", envPath, auth(proj.PublicKey), envelope, 200, `{"id":"` + eventID + `"}`},
		{"envelope, key in query, no content type", "POST", envPath + "?sentry_key=" + proj.PublicKey + "&sentry_version=7", nil, envelope, 200, eventID},
		{"envelope, key in envelope dsn, text/plain", "POST", envPath, map[string]string{"Content-Type": "text/plain;charset=UTF-8"},
			`{"event_id":"` + eventID + `","dsn":"http://` + proj.PublicKey + `@example.com/` + fmt.Sprint(proj.ProjectID) + `"}` + "\n" + `{"type":"event"}` + "\n" + event, 200, eventID},
		{"envelope without trailing slash", "POST", strings.TrimSuffix(envPath, "/"), auth(proj.PublicKey), envelope, 200, eventID},
		{"gzip envelope", "POST", envPath, map[string]string{"X-Sentry-Auth": auth(proj.PublicKey)["X-Sentry-Auth"], "Content-Encoding": "gzip"}, gzipped(envelope), 200, eventID},
		{"empty Content-Encoding header", "POST", envPath, map[string]string{"X-Sentry-Auth": auth(proj.PublicKey)["X-Sentry-Auth"], "Content-Encoding": ""}, envelope, 200, eventID},
		{"envelope without event (session only)", "POST", envPath, auth(proj.PublicKey), "{}\n{\"type\":\"session\"}\n{\"sid\":\"x\"}", 200, `{}`},
		{"event id with dashes", "POST", envPath, auth(proj.PublicKey), `{"event_id":"0ef7d9cd-86b9-4120-82fe-e68473d5a5d6"}` + "\n" + `{"type":"event"}` + "\n" + event, 200, eventID},
		{"store, gzip (Python)", "POST", storePath, map[string]string{"X-Sentry-Auth": auth(proj.PublicKey)["X-Sentry-Auth"], "Content-Encoding": "gzip"}, gzipped(event), 200, eventID},
		{"no key", "POST", envPath, nil, "{}\n{\"type\":\"event\"}\n{}", 401, "missing DSN key"},
		{"unknown key", "POST", envPath, auth("0123456789abcdef0123456789abcdef"), envelope, 401, "unknown DSN key"},
		{"disabled key", "POST", fmt.Sprintf("/api/%d/envelope/", disabled.ProjectID), auth(disabled.PublicKey), envelope, 403, "disabled"},
		{"key of another project", "POST", fmt.Sprintf("/api/%d/envelope/", other.ProjectID), auth(proj.PublicKey), envelope, 403, "does not belong"},
		{"project id not a number", "POST", "/api/abc/envelope/", auth(proj.PublicKey), envelope, 400, "not a number"},
		{"malformed envelope header", "POST", envPath, auth(proj.PublicKey), "not json\n", 400, "envelope header"},
		{"event payload not JSON", "POST", envPath, auth(proj.PublicKey), "{}\n{\"type\":\"event\"}\n{broken", 400, "not valid JSON"},
		{"bad event id", "POST", envPath, auth(proj.PublicKey), `{"event_id":"xyz"}` + "\n" + `{"type":"event"}` + "\n" + event, 400, "not a UUID"},
		{"two events in one envelope", "POST", envPath, auth(proj.PublicKey), envelope + "\n{\"type\":\"event\"}\n" + event, 400, "more than one event"},
		{"broken gzip", "POST", envPath, map[string]string{"X-Sentry-Auth": auth(proj.PublicKey)["X-Sentry-Auth"], "Content-Encoding": "gzip"}, "nope", 400, "gzip"},
		{"event over 1 MiB", "POST", envPath, auth(proj.PublicKey), "{}\n{\"type\":\"event\"}\n" + huge, 413, "limit"},
		{"gzip bomb", "POST", envPath, map[string]string{"X-Sentry-Auth": auth(proj.PublicKey)["X-Sentry-Auth"], "Content-Encoding": "gzip"}, gzipped(strings.Repeat("\n", 64<<20)), 413, "decompressed"},
		{"store not JSON", "POST", storePath, auth(proj.PublicKey), "nope", 400, "not valid JSON"},
		{"minidump", "POST", fmt.Sprintf("/api/%d/minidump/?sentry_key=%s", proj.ProjectID, proj.PublicKey), nil, "MDMP", 400, "not supported"},
		{"unreal", "POST", fmt.Sprintf("/api/%d/unreal/%s/", proj.ProjectID, proj.PublicKey), nil, "crash", 400, "not supported"},
		{"unknown item types are skipped", "POST", envPath, auth(proj.PublicKey), `{"event_id":"` + eventID + `"}` + "\n" + `{"type":"future_thing"}` + "\n" + `{"x":1}` + "\n" + `{"type":"event"}` + "\n" + event, 200, eventID},
		{"CORS preflight", "OPTIONS", envPath, map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}, "", 204, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "http://"+srv.addr+tc.path, strings.NewReader(tc.body))
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
				t.Fatalf("%d %s; want %d containing %q", resp.StatusCode, body, tc.status, tc.want)
			}
			if resp.StatusCode >= 400 {
				var e struct {
					Detail string `json:"detail"`
				}
				if json.Unmarshal(body, &e) != nil || e.Detail == "" {
					t.Errorf("error body %s is not {\"detail\": ...}", body)
				}
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("no CORS header on the answer")
			}
		})
	}
}

// A body sent with chunked transfer encoding, gzip-compressed, is read whole.
func TestIngestChunkedGzipBody(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	envelope := "{}\n{\"type\":\"event\"}\n{\"message\":\"chunked\"}"
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("http://%s/api/%d/envelope/", srv.addr, proj.ProjectID),
		io.MultiReader(strings.NewReader(gzipped(envelope))))
	req.ContentLength = -1
	req.TransferEncoding = []string{"chunked"}
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_key="+proj.PublicKey)
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(got), `"id"`) {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	waitForCount(t, apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}, proj.Organization, proj.Project, 1)
}

// A key's rate limit answers 429 with the headers Sentry SDKs read.
func TestIngestRateLimit(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.SetKeyRateLimit(context.Background(), proj.PublicKey, 3, time.Hour); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	var last *http.Response
	for i := range 5 {
		resp, _ := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, fmt.Sprintf("{}\n{\"type\":\"event\"}\n{\"message\":\"limited %d\"}", i), nil)
		statuses = append(statuses, resp.StatusCode)
		last = resp
	}
	if fmt.Sprint(statuses) != "[200 200 200 429 429]" {
		t.Fatalf("statuses %v, want three accepted then 429s", statuses)
	}
	retry, _ := strconv.Atoi(last.Header.Get("Retry-After"))
	limits := last.Header.Get("X-Sentry-Rate-Limits")
	if retry < 1 || retry > 3600 || !strings.HasPrefix(limits, last.Header.Get("Retry-After")+":") ||
		!strings.Contains(limits, "error") || !strings.Contains(limits, ":key") {
		t.Fatalf("Retry-After %q, X-Sentry-Rate-Limits %q", last.Header.Get("Retry-After"), limits)
	}
	waitForCount(t, apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}, proj.Organization, proj.Project, 3)
}

// A project's allowed origins refuse browsers elsewhere; server SDKs, which
// send no Origin, are not affected.
func TestAllowedOrigins(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.SetAllowedOrigins(context.Background(), proj.ProjectID, []string{"*.example.com"}); err != nil {
		t.Fatal(err)
	}
	for origin, want := range map[string]int{"https://shop.example.com": 200, "https://evil.test": 403, "": 200} {
		headers := map[string]string{}
		if origin != "" {
			headers["Origin"] = origin
		}
		resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, "{}\n{\"type\":\"event\"}\n{\"message\":\"from a page\"}", headers)
		if resp.StatusCode != want {
			t.Errorf("Origin %q: %d %s, want %d", origin, resp.StatusCode, body, want)
		}
	}
}

// An organization's rate limit counts the events of all its projects.
func TestOrgRateLimit(t *testing.T) {
	srv := testServer(t)
	ctx := context.Background()
	first := metadatatest.Project(t, srv.db, testSecret)
	second, err := srv.db.Bootstrap(ctx, metadata.BootstrapRequest{Email: metadatatest.Slug("u") + "@example.com",
		Password: "test-password", Org: first.Organization, Project: metadatatest.Slug("second"), SecretKey: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.db.SetOrgRateLimit(ctx, first.OrganizationID, 3, time.Hour); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	var limits string
	for i, p := range []metadata.BootstrapResult{first, second, first, second} {
		resp, _ := postEnvelope(t, srv.addr, p.ProjectID, p.PublicKey, fmt.Sprintf("{}\n{\"type\":\"event\"}\n{\"message\":\"org %d\"}", i), nil)
		statuses = append(statuses, resp.StatusCode)
		limits = resp.Header.Get("X-Sentry-Rate-Limits")
	}
	if fmt.Sprint(statuses) != "[200 200 200 429]" || !strings.Contains(limits, ":organization:org_quota") {
		t.Fatalf("statuses %v, X-Sentry-Rate-Limits %q; want the fourth event refused by the organization's limit", statuses, limits)
	}
}

// A project that turns data scrubbing off keeps what its SDK sent.
func TestScrubSwitch(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.SetScrubData(context.Background(), proj.ProjectID, false); err != nil {
		t.Fatal(err)
	}
	postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, "{}\n{\"type\":\"event\"}\n{\"message\":\"kept\",\"extra\":{\"password\":\"kept-on-purpose\"}}", nil)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	issues := waitForCount(t, api, proj.Organization, proj.Project, 1)
	var latest struct {
		Context map[string]any `json:"context"`
	}
	api.get("/api/0/issues/"+issues[0].ID+"/events/latest/", &latest)
	if latest.Context["password"] != "kept-on-purpose" {
		t.Fatalf("extra = %v; want the password kept with scrubbing off", latest.Context)
	}
}
