package main

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/faultline/faultline/metadata/metadatatest"
)

func TestTeams(t *testing.T) {
	srv := testServer(t)
	owner := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	org := owner.Organization
	var team struct{ Slug string }
	if code := api.call("POST", "/api/0/organizations/"+org+"/teams/", `{"name":"Backend Crew"}`, &team); code != http.StatusCreated || team.Slug != "backend-crew" {
		t.Fatalf("create team: %d %+v", code, team)
	}
	if code := api.call("POST", "/api/0/organizations/"+org+"/teams/", `{"name":"Backend Crew"}`, nil); code != http.StatusConflict {
		t.Errorf("duplicate team: %d, want 409", code)
	}
	proj := fmt.Sprintf("/api/0/projects/%s/%s", org, owner.Project)
	if code := api.call("POST", proj+"/teams/backend-crew/", "", nil); code != http.StatusCreated {
		t.Errorf("give the team the project: %d", code)
	}
	var teams []struct{ Slug string }
	api.get(proj+"/teams/", &teams)
	if len(teams) != 1 || teams[0].Slug != "backend-crew" {
		t.Errorf("project teams %+v", teams)
	}

	// A member joins the team themselves, but cannot add others.
	member := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.AddMember(t.Context(), owner.OrganizationID, member.UserID, "member"); err != nil {
		t.Fatal(err)
	}
	mem := apiClient{t: t, base: api.base, token: member.Token}
	if code := mem.call("POST", fmt.Sprintf("/api/0/organizations/%s/members/%d/teams/backend-crew/", org, member.UserID), "", nil); code != http.StatusCreated {
		t.Errorf("joining a team: %d", code)
	}
	if code := mem.call("POST", fmt.Sprintf("/api/0/organizations/%s/members/%d/teams/backend-crew/", org, owner.UserID), "", nil); code != http.StatusForbidden {
		t.Errorf("a member adding someone else: %d, want 403", code)
	}
	var got struct{ MemberCount int }
	api.get("/api/0/teams/"+org+"/backend-crew/", &got)
	if got.MemberCount != 2 {
		t.Errorf("team members: %d, want 2", got.MemberCount)
	}

	// Issues can be assigned to the team and searched by it.
	postEvent(t, srv.addr, owner.ProjectID, owner.PublicKey, "team owned failure")
	issues := waitForCount(t, api, org, owner.Project, 1)
	if code := api.call("PUT", proj+"/issues/?id="+issues[0].ID, `{"assignedTo":"#backend-crew"}`, nil); code != http.StatusOK {
		t.Fatalf("assign to team: %d", code)
	}
	var found []struct {
		AssignedTo struct{ Type, ID, Name string }
	}
	api.get(proj+"/issues/?query="+url.QueryEscape("assigned:#backend-crew"), &found)
	if len(found) != 1 || found[0].AssignedTo.Type != "team" || found[0].AssignedTo.Name != "backend-crew" || found[0].AssignedTo.ID == "" {
		t.Errorf("assigned:#backend-crew: %+v", found)
	}
	if code := api.call("PUT", proj+"/issues/?id="+issues[0].ID, `{"assignedTo":"#nobody"}`, nil); code != http.StatusBadRequest {
		t.Errorf("assign to an unknown team: %d, want 400", code)
	}
	if code := api.call("DELETE", "/api/0/teams/"+org+"/backend-crew/", "", nil); code != http.StatusNoContent {
		t.Errorf("delete team: %d", code)
	}
	api.get(proj+"/issues/?query="+url.QueryEscape("assigned:none"), &found)
	if len(found) != 1 {
		t.Errorf("after the team is gone the issue is unassigned: %+v", found)
	}
}
