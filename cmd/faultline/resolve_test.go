package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/getsentry/sentry-go"
)

// resolvedIssue is an issue as the release-resolution test reads it.
type resolvedIssue struct {
	ID            string         `json:"id"`
	Status        string         `json:"status"`
	Substatus     string         `json:"substatus"`
	StatusDetails map[string]any `json:"statusDetails"`
	Count         string         `json:"count"`
}

// An issue resolved in the next release stays resolved while the release
// it was resolved in (or an older one) still sends its error, and comes
// back as a regression when a newer release does; resolved in a release,
// it comes back on that release's error. The errors come from the
// unmodified sentry-go SDK; the resolutions through the API with a token.
func TestSentryGoResolveInRelease(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	dsn := fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	send := func(release string) {
		t.Helper()
		client, err := sentry.NewClient(sentry.ClientOptions{Dsn: dsn, Release: release})
		if err != nil {
			t.Fatalf("sentry client: %v", err)
		}
		defer client.Close()
		sentry.NewHub(client, sentry.NewScope()).CaptureException(chargeCard(7))
		if !client.Flush(10 * time.Second) {
			t.Fatalf("sentry-go could not deliver the %s event", release)
		}
	}
	var issuePath string
	// seen waits until the issue has counted count events and returns it.
	seen := func(count int) resolvedIssue {
		t.Helper()
		var is resolvedIssue
		waitUntil(t, func() (bool, string) {
			is = resolvedIssue{}
			api.get(issuePath, &is)
			return is.Count == fmt.Sprint(count), fmt.Sprintf("issue %+v, want %d events", is, count)
		})
		return is
	}

	send("1.0.0")
	send("1.0.0")
	issues := waitForCount(t, api, proj.Organization, proj.Project, 2)
	if len(issues) != 1 {
		t.Fatalf("%d issues, want the one error", len(issues))
	}
	issuePath = "/api/0/issues/" + issues[0].ID + "/"

	var changed resolvedIssue
	if code := api.call("PUT", issuePath, `{"status":"resolved","statusDetails":{"inNextRelease":true}}`, &changed); code != http.StatusOK ||
		changed.Status != "resolved" || changed.StatusDetails["inNextRelease"] != true {
		t.Fatalf("resolve in the next release: %d %+v", code, changed)
	}
	send("1.0.0") // the release still running
	if is := seen(3); is.Status != "resolved" || is.StatusDetails["inNextRelease"] != true {
		t.Fatalf("after another 1.0.0 error: %+v, want still resolved in the next release", is)
	}
	send("1.1.0")
	if is := seen(4); is.Status != "unresolved" || is.Substatus != "regressed" || len(is.StatusDetails) != 0 {
		t.Fatalf("after a 1.1.0 error: %+v, want unresolved, regressed", is)
	}
	var activity []struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	api.get(issuePath+"activity/", &activity)
	if len(activity) < 2 || activity[0].Type != "set_regression" || activity[1].Type != "set_resolved_in_release" || activity[1].Data["version"] != "" {
		t.Errorf("activity %+v, want set_resolved_in_release (version \"\") then set_regression", activity)
	}

	// Resolved in 1.2.0 through a bulk route: 1.1.0 is older, 1.2.0 is not fixed.
	bulk := fmt.Sprintf("/api/0/projects/%s/%s/issues/?id=%s", proj.Organization, proj.Project, issues[0].ID)
	var answer struct {
		StatusDetails map[string]any `json:"statusDetails"`
		Updated       int            `json:"updated"`
	}
	if code := api.call("PUT", bulk, `{"status":"resolved","statusDetails":{"inRelease":"1.2.0"}}`, &answer); code != http.StatusOK ||
		answer.Updated != 1 || answer.StatusDetails["inRelease"] != "1.2.0" {
		t.Fatalf("resolve in 1.2.0: %d %+v", code, answer)
	}
	send("1.1.0")
	if is := seen(5); is.Status != "resolved" || is.StatusDetails["inRelease"] != "1.2.0" {
		t.Fatalf("after a 1.1.0 error: %+v, want still resolved in 1.2.0", is)
	}
	send("1.2.0")
	if is := seen(6); is.Status != "unresolved" || is.Substatus != "regressed" {
		t.Fatalf("after a 1.2.0 error: %+v, want unresolved, regressed", is)
	}
}
