package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/getsentry/sentry-go"
)

// Cron check-ins from the unmodified sentry-go SDK are recorded.
func TestSentryGoCheckIns(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	hub := sentry.NewHub(client, sentry.NewScope())
	config := &sentry.MonitorConfig{Schedule: sentry.CrontabSchedule("*/5 * * * *"), CheckInMargin: 2, MaxRuntime: 10}
	id := hub.CaptureCheckIn(&sentry.CheckIn{MonitorSlug: "nightly-export", Status: sentry.CheckInStatusInProgress}, config)
	if id == nil {
		t.Fatal("sentry-go did not send the check-in")
	}
	hub.CaptureCheckIn(&sentry.CheckIn{ID: *id, MonitorSlug: "nightly-export", Status: sentry.CheckInStatusOK, Duration: 3 * time.Second}, config)
	if !client.Flush(10 * time.Second) {
		t.Fatal("sentry-go could not deliver its check-ins")
	}
	waitUntil(t, func() (bool, string) {
		statuses, err := srv.store.MonitorCheckIns(context.Background(), uint64(proj.ProjectID), "nightly-export", time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(statuses)
		return fmt.Sprint(statuses) == "[in_progress ok]", fmt.Sprintf("check-ins %v, want in_progress and ok", statuses)
	})
}

// Session updates (as @sentry/node sends them) and session aggregates (as
// the Python SDK sends them) add up to release health.
func TestSessionsReleaseHealth(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	now := time.Now().UTC()
	started := now.Add(-time.Minute).Format(time.RFC3339Nano)
	session := func(sid, status string, init bool, errors int) string {
		return fmt.Sprintf(`{"sid":"%s","did":"u-1","init":%t,"started":"%s","timestamp":"%s","status":"%s","errors":%d,"duration":1.5,"attrs":{"release":"shop@4.0.0","environment":"production","ip_address":"{{auto}}"}}`, sid, init, started, now.Format(time.RFC3339Nano), status, errors)
	}
	bodies := []string{
		"{}\n" + `{"type":"session"}` + "\n" + session("a", "ok", true, 0),
		"{}\n" + `{"type":"session"}` + "\n" + session("a", "exited", false, 0),
		"{}\n" + `{"type":"session"}` + "\n" + session("b", "ok", true, 0) + "\n" + `{"type":"session"}` + "\n" + session("b", "crashed", false, 1),
		"{}\n" + `{"type":"sessions"}` + "\n" + `{"aggregates":[{"started":"` + started + `","exited":3,"crashed":1}],"attrs":{"release":"shop@4.0.0","environment":"production"}}`,
		"{}\n" + `{"type":"session"}` + "\n" + `{"sid":"c","init":true,"status":"ok"}`, // no release: dropped by the worker
	}
	for _, b := range bodies {
		if resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, b, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("session envelope: %d %s", resp.StatusCode, body)
		}
	}
	var health []analytics.ReleaseHealth
	waitUntil(t, func() (bool, string) {
		var err error
		health, err = srv.store.ReleaseHealthSince(context.Background(), uint64(proj.ProjectID), now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return len(health) == 1 && health[0].Started == 6 && health[0].Crashed == 2,
			fmt.Sprintf("release health %+v; want 6 started, 2 crashed for shop@4.0.0", health)
	})
	if h := health[0]; h.Release != "shop@4.0.0" || h.CrashFreeRate() < 0.66 || h.CrashFreeRate() > 0.67 {
		t.Fatalf("release health %+v, crash-free %.3f", h, h.CrashFreeRate())
	}
}

// User feedback, in the legacy user_report shape and the newer feedback
// shape, is listed per project and per issue.
func TestUserFeedback(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	const eventID = "9ec79c33ec9942ab8353589fcb2e04dc"
	bodies := []string{
		`{"event_id":"` + eventID + `"}` + "\n" + `{"type":"event"}` + "\n" + `{"message":"checkout crashed"}`,
		"{}\n" + `{"type":"user_report"}` + "\n" + `{"event_id":"` + eventID + `","name":"Jane","email":"jane@example.com","comments":"It broke when I paid"}`,
		"{}\n" + `{"type":"feedback"}` + "\n" + `{"contexts":{"feedback":{"message":"The page is slow","name":"Bob","contact_email":"bob@example.com"}}}`,
		"{}\n" + `{"type":"user_report"}` + "\n" + `{"name":"Nobody","comments":""}`, // empty: dropped by the worker
	}
	for _, b := range bodies {
		if resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, b, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("envelope: %d %s", resp.StatusCode, body)
		}
	}
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	issues := waitForCount(t, api, proj.Organization, proj.Project, 1)
	type report struct {
		EventID  string  `json:"eventID"`
		Name     string  `json:"name"`
		Comments string  `json:"comments"`
		Issue    *string `json:"issue"`
	}
	var all []report
	waitUntil(t, func() (bool, string) {
		api.get(fmt.Sprintf("/api/0/projects/%s/%s/user-feedback/", proj.Organization, proj.Project), &all)
		return len(all) == 2, fmt.Sprintf("project feedback %+v; want two reports", all)
	})
	var forIssue []report
	api.get("/api/0/issues/"+issues[0].ID+"/user-reports/", &forIssue)
	if len(forIssue) != 1 || forIssue[0].Name != "Jane" || forIssue[0].EventID != eventID ||
		forIssue[0].Issue == nil || *forIssue[0].Issue != issues[0].ID {
		t.Fatalf("issue feedback %+v; want Jane's report about %s", forIssue, eventID)
	}
}

// Attachments sent by the unmodified sentry-go SDK are listed with their
// event and downloadable.
func TestSentryGoAttachments(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	hub := sentry.NewHub(client, sentry.NewScope())
	logData := []byte("line 1\nline 2: <script>alert(1)</script>\n")
	hub.Scope().AddAttachment(&sentry.Attachment{Filename: "app.log", ContentType: "text/plain", Payload: logData})
	id := hub.CaptureException(fmt.Errorf("export failed"))
	if id == nil || !client.Flush(10*time.Second) {
		t.Fatal("sentry-go did not deliver the event")
	}

	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	path := fmt.Sprintf("/api/0/projects/%s/%s/events/%s/attachments/", proj.Organization, proj.Project, *id)
	var list []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		MimeType string `json:"mimetype"`
		Size     int    `json:"size"`
	}
	waitUntil(t, func() (bool, string) {
		api.get(path, &list)
		return len(list) > 0, "the attachment is not listed"
	})
	if len(list) != 1 || list[0].Name != "app.log" || list[0].MimeType != "text/plain" || list[0].Size != len(logData) {
		t.Fatalf("attachments %+v", list)
	}
	req, _ := http.NewRequest(http.MethodGet, api.base+path+list[0].ID+"/?download=1", nil)
	req.Header.Set("Authorization", "Bearer "+proj.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(got) != string(logData) ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %q, disposition %q", resp.StatusCode, got, resp.Header.Get("Content-Disposition"))
	}
	other := metadatatest.Project(t, srv.db, testSecret)
	otherAPI := apiClient{t: t, base: api.base, token: other.Token}
	if code := otherAPI.get(path, nil); code != http.StatusNotFound {
		t.Errorf("another organization's token lists the attachments: %d", code)
	}
}
