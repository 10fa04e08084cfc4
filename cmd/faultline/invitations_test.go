package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// TestRevokeAndResendInvitations acts on pending invitations by the id the
// member list gives them (invite-N): resending gives a new link, emailed
// again, and kills the old one; revoking kills the link and takes the
// invitation off the list; a manager cannot touch an invitation to owner;
// another organization's invitation and malformed ids are 404s.
func TestRevokeAndResendInvitations(t *testing.T) {
	srv, smtp := mailServer(t)
	owner := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	members := "/api/0/organizations/" + owner.Organization + "/members/"

	invite := func(email, role string) (link, id string) {
		t.Helper()
		var out struct{ InviteLink string }
		if code := api.call("POST", members, `{"email":"`+email+`","role":"`+role+`"}`, &out); code != http.StatusCreated {
			t.Fatalf("invite %s: %d", email, code)
		}
		var list []struct {
			ID, Email string
			Pending   bool
		}
		api.get(members, &list)
		for _, m := range list {
			if m.Email == email && m.Pending {
				id = m.ID
			}
		}
		if !strings.HasPrefix(id, "invite-") {
			t.Fatalf("invitation of %s listed as %q", email, id)
		}
		return out.InviteLink, id
	}
	listed := func(id string) bool {
		var list []struct{ ID string }
		api.get(members, &list)
		for _, m := range list {
			if m.ID == id {
				return true
			}
		}
		return false
	}

	carolEmail := metadatatest.Slug("carol") + "@example.com"
	oldLink, carolID := invite(carolEmail, "member")
	if _, ok := smtp.Wait(carolEmail, 10*time.Second); !ok {
		t.Fatal("no first invitation email")
	}
	var resent struct{ ID, InviteLink string }
	if code := api.call("PUT", members+carolID+"/", `{"reinvite":true}`, &resent); code != http.StatusOK ||
		resent.ID != carolID || resent.InviteLink == "" || resent.InviteLink == oldLink {
		t.Fatalf("resend: %d %+v (old link %s)", code, resent, oldLink)
	}
	if _, ok := smtp.WaitFor(carolEmail, resent.InviteLink, 10*time.Second); !ok {
		t.Fatalf("the resent invitation's email does not carry the new link %s", resent.InviteLink)
	}
	if code := api.call("PUT", members+carolID+"/", `{"role":"admin"}`, nil); code != http.StatusBadRequest {
		t.Errorf("PUT on an invitation without reinvite: %d, want 400", code)
	}
	carol := signUp(t, srv, smtp, carolEmail, "carol password")
	oldToken := linkToken.FindStringSubmatch(oldLink)[1]
	if resp, _ := carol.do("POST", "/api/0/accept-invite/"+oldToken+"/", "", carol.csrf()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("accepting with the link from before the resend: %d, want 400", resp.StatusCode)
	}

	// Revoking: the link stops working and the invitation leaves the list.
	newToken := linkToken.FindStringSubmatch(resent.InviteLink)[1]
	if code := api.call("DELETE", members+carolID+"/", "", nil); code != http.StatusNoContent {
		t.Fatalf("revoke: %d", code)
	}
	if listed(carolID) {
		t.Error("the revoked invitation is still listed")
	}
	if resp, _ := carol.do("POST", "/api/0/accept-invite/"+newToken+"/", "", carol.csrf()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("accepting a revoked invitation: %d, want 400", resp.StatusCode)
	}
	if code := api.call("DELETE", members+carolID+"/", "", nil); code != http.StatusNotFound {
		t.Errorf("revoking twice: %d, want 404", code)
	}

	// A manager cannot revoke an invitation to owner; another
	// organization cannot reach this one's invitations.
	_, bossID := invite(metadatatest.Slug("boss")+"@example.com", "owner")
	manager := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.AddMember(context.Background(), owner.OrganizationID, manager.UserID, "manager"); err != nil {
		t.Fatal(err)
	}
	mgr := apiClient{t: t, base: api.base, token: manager.Token}
	if code := mgr.call("DELETE", members+bossID+"/", "", nil); code != http.StatusForbidden {
		t.Errorf("manager revoking an invitation to owner: %d, want 403", code)
	}
	if code := mgr.call("DELETE", "/api/0/organizations/"+manager.Organization+"/members/"+bossID+"/", "", nil); code != http.StatusNotFound {
		t.Errorf("revoking another organization's invitation: %d, want 404", code)
	}
	for _, id := range []string{"invite-", "invite-x", "invite--1", "invite-99999999999999999999"} {
		if code := api.call("DELETE", members+id+"/", "", nil); code != http.StatusNotFound {
			t.Errorf("DELETE %s: %d, want 404", id, code)
		}
	}
	if !listed(bossID) {
		t.Error("the refused revocation took the invitation away")
	}
}
