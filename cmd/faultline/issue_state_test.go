package main

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// stateIssue is an issue as the issue-state test reads it.
type stateIssue struct {
	ID            string
	Count         string
	IsBookmarked  bool
	HasSeen       bool
	IsPublic      bool
	ShareID       *string
	NumComments   int
	StatusDetails map[string]any
	AssignedTo    map[string]string
	SeenBy        []struct{ ID, Email, LastSeen string }
	Stats         map[string][][2]int64
}

// shareEvent carries a person's data everywhere an event can: the shared
// issue must show none of it.
const shareEvent = `{"platform":"go","level":"error","user":{"id":"u-leak-77","email":"leak.person@example.com","ip_address":"198.51.100.23"},
"request":{"url":"https://shop.example/checkout?session=sess-secret-1","headers":{"Cookie":"sid=cookie-secret-2"},"env":{"REMOTE_ADDR":"198.51.100.23"},"data":{"card":"card-secret-3"}},
"extra":{"note":"extra-secret-4"},"contexts":{"os":{"name":"Linux"},"user_profile":{"email":"leak.person@example.com"}},
"breadcrumbs":[{"timestamp":1700000000,"category":"auth","message":"signed in","data":{"who":"leak.person@example.com"}}],
"tags":{"browser":"Firefox","customer_email":"leak.person@example.com"},
"exception":{"values":[{"type":"ShareBoom","value":"payment failed","stacktrace":{"frames":[{"function":"chargeCard","filename":"pay.go","lineno":7,"in_app":true,"vars":{"password":"vars-secret-5"}}]}}]}}
`

var shareSecrets = []string{"leak.person@example.com", "198.51.100.23", "u-leak-77", "sess-secret-1", "cookie-secret-2",
	"card-secret-3", "extra-secret-4", "vars-secret-5"}

// A member's bookmark and seen mark are their own; a shared issue is read
// without login and shows nothing of the person in its event, until its
// link is revoked; comments are counted and edited by their author, and
// deleted by their author or an owner; the list's stats come from
// ClickHouse; ignore details read back as the PUT answered them; a reader
// cannot delete an issue, an owner can.
func TestIssueState(t *testing.T) {
	srv := testServer(t)
	ctx := context.Background()
	owner := metadatatest.Project(t, srv.db, testSecret)
	stranger := metadatatest.Project(t, srv.db, testSecret)
	base := "http://" + srv.addr
	api := apiClient{t: t, base: base, token: owner.Token}
	strangerAPI := apiClient{t: t, base: base, token: stranger.Token}

	memberEmail := metadatatest.Slug("member") + "@example.com"
	memberID, err := srv.db.CreateUser(ctx, metadata.NewUser{Email: memberEmail, Password: "test-password", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	invite, err := srv.db.CreateInvitation(ctx, owner.OrganizationID, owner.UserID, memberEmail, "member")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.db.AcceptInvitation(ctx, invite, memberID); err != nil {
		t.Fatal(err)
	}
	tok, err := srv.db.CreateToken(ctx, memberID, "member", metadata.AllScopes)
	if err != nil {
		t.Fatal(err)
	}
	member := apiClient{t: t, base: base, token: tok.Token}

	if resp, body := postEnvelope(t, srv.addr, owner.ProjectID, owner.PublicKey,
		"{\"event_id\":\"7a1e4f3a2b1c4d0e9f8a7b6c5d4e3f21\"}\n{\"type\":\"event\"}\n"+strings.ReplaceAll(shareEvent, "\n", "")+"\n", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("event: %d %s", resp.StatusCode, body)
	}
	issueID := waitForCount(t, api, owner.Organization, owner.Project, 1)[0].ID
	path := "/api/0/issues/" + issueID + "/"
	list := fmt.Sprintf("/api/0/projects/%s/%s/issues/", owner.Organization, owner.Project)
	read := func(c apiClient) stateIssue {
		t.Helper()
		var is stateIssue
		if code := c.get(path, &is); code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
		return is
	}
	count := func(c apiClient, query string) int {
		t.Helper()
		var found []stateIssue
		if code := c.get(list+"?query="+query, &found); code != http.StatusOK {
			t.Fatalf("list %s: %d", query, code)
		}
		return len(found)
	}

	t.Run("bookmarks", func(t *testing.T) {
		var is stateIssue
		if code := api.call("PUT", path, `{"isBookmarked":true}`, &is); code != http.StatusOK || !is.IsBookmarked {
			t.Fatalf("bookmark: %d %+v", code, is)
		}
		if read(member).IsBookmarked {
			t.Error("the owner's bookmark shows as the member's")
		}
		if count(api, "is:bookmarked") != 1 || count(api, "bookmarks:me") != 1 || count(member, "is:bookmarked") != 0 ||
			count(member, "bookmarks:"+owner.Organization+"-nobody@example.com") != 0 {
			t.Error("is:bookmarked / bookmarks: do not find the caller's bookmarks alone")
		}
		if code := api.call("PUT", list+"?id="+issueID, `{"isBookmarked":false}`, nil); code != http.StatusOK {
			t.Fatalf("bulk unbookmark: %d", code)
		}
		if read(api).IsBookmarked || count(api, "is:bookmarked") != 0 {
			t.Error("still bookmarked after the bulk unbookmark")
		}
	})

	t.Run("seen", func(t *testing.T) {
		if code := member.call("PUT", path, `{"hasSeen":true}`, nil); code != http.StatusOK {
			t.Fatalf("seen: %d", code)
		}
		if is := read(member); !is.HasSeen || len(is.SeenBy) != 1 || is.SeenBy[0].Email != memberEmail || is.SeenBy[0].LastSeen == "" {
			t.Errorf("after the member saw it: %+v", is)
		}
		if read(api).HasSeen {
			t.Error("the member's seen mark shows as the owner's")
		}
	})

	t.Run("share", func(t *testing.T) {
		// The event as stored carries the person (so the scrubbing below is
		// what keeps them out).
		if _, body := api.getRaw(path + "events/latest/"); !strings.Contains(string(body), "leak.person@example.com") {
			t.Fatalf("the stored event lacks the user's email: %s", body)
		}
		var is stateIssue
		if code := api.call("PUT", path, `{"isPublic":true}`, &is); code != http.StatusOK || !is.IsPublic || is.ShareID == nil || len(*is.ShareID) != 32 {
			t.Fatalf("make public: %d %+v", code, is)
		}
		share := *is.ShareID
		anon := apiClient{t: t, base: base}
		code, header, body := anon.getResponse("/api/0/shared/issues/" + share + "/")
		if code != http.StatusOK || !strings.Contains(string(body), "ShareBoom") || !strings.Contains(string(body), "chargeCard") ||
			!strings.Contains(string(body), "Firefox") {
			t.Fatalf("shared issue without login: %d %s", code, body)
		}
		if header.Get("Cache-Control") != "no-cache" {
			t.Errorf("shared issue Cache-Control %q", header.Get("Cache-Control"))
		}
		pageCode, pageHeader, page := anon.getResponse("/share/issue/" + share + "/")
		if pageCode != http.StatusOK || !strings.Contains(string(page), "ShareBoom") || !strings.HasPrefix(pageHeader.Get("Content-Type"), "text/html") {
			t.Fatalf("shared page: %d %s", pageCode, page)
		}
		for _, s := range shareSecrets {
			if strings.Contains(string(body), s) || strings.Contains(string(page), s) {
				t.Errorf("the shared issue shows %q", s)
			}
		}
		if code := api.call("PUT", path, `{"isPublic":false}`, &is); code != http.StatusOK || is.IsPublic || is.ShareID != nil {
			t.Fatalf("revoke: %d %+v", code, is)
		}
		for _, p := range []string{"/api/0/shared/issues/" + share + "/", "/share/issue/" + share + "/"} {
			if code, _ := anon.getRaw(p); code != http.StatusNotFound {
				t.Errorf("revoked %s: %d, want 404", p, code)
			}
		}
		if api.call("PUT", path, `{"isPublic":true}`, &is); is.ShareID == nil || *is.ShareID == share {
			t.Errorf("shared again with %v, want a new link", is.ShareID)
		}
	})

	t.Run("comments", func(t *testing.T) {
		var mine, theirs struct{ ID string }
		api.call("POST", path+"comments/", `{"text":"owner note"}`, &mine)
		member.call("POST", path+"comments/", `{"text":"member note"}`, &theirs)
		if n := read(api).NumComments; n != 2 {
			t.Errorf("numComments %d, want 2", n)
		}
		for _, c := range []struct {
			who          apiClient
			name, method string
			id           string
			want         int
		}{
			{member, "member edits the owner's", "PUT", mine.ID, http.StatusForbidden},
			{strangerAPI, "another org edits", "PUT", mine.ID, http.StatusNotFound},
			{strangerAPI, "another org deletes", "DELETE", mine.ID, http.StatusNotFound},
			{member, "member deletes the owner's", "DELETE", mine.ID, http.StatusForbidden},
			{member, "member edits their own", "PUT", theirs.ID, http.StatusOK},
			{api, "owner deletes the member's", "DELETE", theirs.ID, http.StatusNoContent},
			{api, "owner deletes it again", "DELETE", theirs.ID, http.StatusNotFound},
		} {
			if code := c.who.call(c.method, path+"comments/"+c.id+"/", `{"text":"edited"}`, nil); code != c.want {
				t.Errorf("%s: %d, want %d", c.name, code, c.want)
			}
		}
		var notes []struct{ Data struct{ Text string } }
		api.get(path+"comments/", &notes)
		if len(notes) != 1 || notes[0].Data.Text != "owner note" || read(api).NumComments != 1 {
			t.Errorf("comments after the changes: %+v", notes)
		}
	})

	t.Run("stats", func(t *testing.T) {
		for period, n := range map[string]int{"24h": 24, "14d": 14, "auto": 24} {
			var found []stateIssue
			if code := api.get(list+"?groupStatsPeriod="+period, &found); code != http.StatusOK || len(found) != 1 {
				t.Fatalf("groupStatsPeriod=%s: %d %d issues", period, code, len(found))
			}
			key := period
			if period == "auto" {
				key = "24h"
			}
			series, total := found[0].Stats[key], int64(0)
			for _, p := range series {
				total += p[1]
			}
			if len(series) != n || total != 1 {
				t.Errorf("groupStatsPeriod=%s: %d buckets counting %d, want %d counting 1", period, len(series), total, n)
			}
		}
		if code, body := api.callDetail("GET", list+"?groupStatsPeriod=7d", ""); code != http.StatusBadRequest || !strings.Contains(body, "groupStatsPeriod") {
			t.Errorf("groupStatsPeriod=7d: %d %s", code, body)
		}
	})

	t.Run("status details and assignee", func(t *testing.T) {
		var answer struct{ StatusDetails map[string]any }
		if code := api.call("POST", "/api/0/organizations/"+owner.Organization+"/releases/",
			`{"version":"state@1","projects":["`+owner.Project+`"]}`, nil); code != http.StatusCreated {
			t.Fatalf("release: %d", code)
		}
		// "latest" is answered as the version it stood for, as GET reads it.
		if code := api.call("PUT", list+"?id="+issueID, `{"status":"resolved","statusDetails":{"inRelease":"latest"}}`, &answer); code != http.StatusOK ||
			answer.StatusDetails["inRelease"] != "state@1" || !reflect.DeepEqual(read(api).StatusDetails, answer.StatusDetails) {
			t.Errorf("resolved in the latest release: %d, PUT answered %v, GET says %v", code, answer.StatusDetails, read(api).StatusDetails)
		}
		answer.StatusDetails = nil
		if code := api.call("PUT", list+"?id="+issueID, `{"status":"ignored","statusDetails":{"ignoreDuration":30,"ignoreCount":5}}`, &answer); code != http.StatusOK {
			t.Fatalf("ignore: %d", code)
		}
		got := read(api).StatusDetails
		if !reflect.DeepEqual(got, answer.StatusDetails) || got["ignoreCount"] != 5.0 || got["ignoreDuration"] != 30.0 || got["ignoreUntil"] == nil {
			t.Errorf("GET statusDetails %v, PUT answered %v", got, answer.StatusDetails)
		}
		if actor, _ := got["actor"].(map[string]any); actor["id"] != fmt.Sprint(owner.UserID) || actor["type"] != "user" {
			t.Errorf("actor %v", got["actor"])
		}
		api.call("PUT", path, `{"assignedTo":"`+memberEmail+`"}`, nil)
		want := map[string]string{"type": "user", "id": fmt.Sprint(memberID), "name": memberEmail, "email": memberEmail}
		if a := read(api).AssignedTo; !reflect.DeepEqual(a, want) {
			t.Errorf("assignedTo %v, want %v", a, want)
		}
	})

	t.Run("delete", func(t *testing.T) {
		ro, err := srv.db.CreateToken(ctx, owner.UserID, "read", []string{"org:read", "project:read", "event:read"})
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]struct {
			client apiClient
			want   int
		}{
			"read-only token": {apiClient{t: t, base: base, token: ro.Token}, http.StatusForbidden},
			"member":          {member, http.StatusForbidden},
			"another org":     {strangerAPI, http.StatusNotFound},
		} {
			if code := c.client.call("DELETE", path, "", nil); code != c.want {
				t.Errorf("DELETE by %s: %d, want %d", name, code, c.want)
			}
		}
		if code := api.call("DELETE", path, "", nil); code != http.StatusAccepted {
			t.Fatalf("DELETE by the owner: %d", code)
		}
		if code := api.get(path, nil); code != http.StatusNotFound {
			t.Errorf("the deleted issue: %d", code)
		}
	})
}
