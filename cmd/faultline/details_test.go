package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

func TestIssueDetails(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	now := time.Now().Unix()
	ids := []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3"}
	for i, browser := range []string{"Chrome", "Firefox", "Chrome"} {
		body := fmt.Sprintf(`{"event_id":"%s"}`+"\n"+`{"type":"event"}`+"\n"+
			`{"message":"render failed","timestamp":%d,"environment":"production","release":"web@%d","tags":{"browser":"%s"}}`,
			ids[i], now-int64(10*(3-i)), i+1, browser)
		if resp, b := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, body, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("post: %d %s", resp.StatusCode, b)
		}
	}
	issue := waitForCount(t, api, proj.Organization, proj.Project, 3)[0]

	var tags []struct {
		Key         string
		TotalValues int
		TopValues   []struct {
			Value string
			Count int
		}
	}
	api.get("/api/0/issues/"+issue.ID+"/tags/", &tags)
	byKey := map[string]string{}
	for _, tag := range tags {
		byKey[tag.Key] = fmt.Sprint(tag.TotalValues, tag.TopValues)
	}
	if byKey["browser"] != "3 [{Chrome 2} {Firefox 1}]" || byKey["environment"] != "3 [{production 3}]" || byKey["level"] != "3 [{error 3}]" {
		t.Errorf("tags %v", byKey)
	}

	type full struct {
		EventID         string
		PreviousEventID *string
		NextEventID     *string
	}
	var latest, oldest, middle full
	api.get("/api/0/issues/"+issue.ID+"/events/latest/", &latest)
	api.get("/api/0/issues/"+issue.ID+"/events/oldest/", &oldest)
	api.get("/api/0/issues/"+issue.ID+"/events/"+ids[1]+"/", &middle)
	str := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	got := fmt.Sprintf("%s<%s>%s %s<%s>%s %s<%s>%s",
		str(latest.PreviousEventID), latest.EventID, str(latest.NextEventID),
		str(oldest.PreviousEventID), oldest.EventID, str(oldest.NextEventID),
		str(middle.PreviousEventID), middle.EventID, str(middle.NextEventID))
	want := fmt.Sprintf("%s<%s>- -<%s>%s %s<%s>%s", ids[1], ids[2], ids[0], ids[1], ids[0], ids[1], ids[2])
	if got != want {
		t.Errorf("navigation\n got %s\nwant %s", got, want)
	}
	if code := api.get("/api/0/issues/"+issue.ID+"/events/ffffffffffffffffffffffffffffffff/", nil); code != http.StatusNotFound {
		t.Errorf("unknown event: %d, want 404", code)
	}

	var fullEvents []struct {
		EventID string
		Entries []struct{ Type string }
	}
	api.get("/api/0/issues/"+issue.ID+"/events/?full=true", &fullEvents)
	if len(fullEvents) != 3 || len(fullEvents[0].Entries) == 0 || fullEvents[0].EventID != ids[2] {
		t.Errorf("full events: %+v", fullEvents)
	}

	var comment struct{ ID string }
	if code := api.call("POST", "/api/0/issues/"+issue.ID+"/comments/", `{"text":"looking into it"}`, &comment); code != http.StatusCreated {
		t.Errorf("comment: %d", code)
	}
	var comments []struct{ Data struct{ Text string } }
	var activity []struct{ Type string }
	api.get("/api/0/issues/"+issue.ID+"/comments/", &comments)
	api.get("/api/0/issues/"+issue.ID+"/activity/", &activity)
	if len(comments) != 1 || comments[0].Data.Text != "looking into it" || len(activity) != 1 || activity[0].Type != "note" {
		t.Errorf("comments %+v, activity %+v", comments, activity)
	}
	if code := api.call("POST", "/api/0/issues/"+issue.ID+"/comments/", `{"text":"  "}`, nil); code != http.StatusBadRequest {
		t.Errorf("empty comment: %d, want 400", code)
	}

	var stats struct{ Stats [][2]int64 }
	api.get("/api/0/issues/"+issue.ID+"/stats/?statsPeriod=24h", &stats)
	total := int64(0)
	for _, b := range stats.Stats {
		total += b[1]
	}
	if len(stats.Stats) < 24 || total != 3 {
		t.Errorf("issue stats: %d buckets, %d events; want 24+ hourly buckets holding 3", len(stats.Stats), total)
	}
	if code := api.get("/api/0/issues/"+issue.ID+"/stats/?statsPeriod=1y", nil); code != http.StatusBadRequest {
		t.Errorf("a bad statsPeriod: %d, want 400", code)
	}

	var envs []struct{ Name string }
	var releases []struct{ Version string }
	api.get(fmt.Sprintf("/api/0/projects/%s/%s/environments/", proj.Organization, proj.Project), &envs)
	api.get(fmt.Sprintf("/api/0/projects/%s/%s/releases/", proj.Organization, proj.Project), &releases)
	if fmt.Sprint(envs) != "[{production}]" || fmt.Sprint(releases) != "[{web@3} {web@2} {web@1}]" {
		t.Errorf("environments %v, releases %v", envs, releases)
	}
}
