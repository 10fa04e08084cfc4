package metadata_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// TestClosedMembershipShowsTeamProjects: with open membership off, a
// member or admin sees the projects of its teams only — in the visibility
// the API asks for, in issues found by id, in the projects of every
// organization and in ProjectForUser — while owners and managers see all,
// and turning it back on shows everything again.
func TestClosedMembershipShowsTeamProjects(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	base := metadatatest.Project(t, db, "access")
	org := base.OrganizationID
	now := time.Now().UTC()

	team, err := db.CreateTeam(ctx, org, base.UserID, "Mobile", metadatatest.Slug("mobile"))
	if err != nil {
		t.Fatal(err)
	}
	teamProject, err := db.CreateProject(ctx, metadata.NewProject{OrgID: org, Name: "App", TeamID: team.ID})
	if err != nil {
		t.Fatal(err)
	}
	hidden := base.ProjectID // in no team
	issues := map[int64]int64{}
	for i, p := range []int64{hidden, teamProject.ID} {
		ids, err := db.RecordEvents(ctx, p, []metadata.GroupedEvent{groupedEvent(100+i, now)})
		if err != nil {
			t.Fatal(err)
		}
		issues[p] = ids[0]
	}

	users := map[string]int64{}
	for _, role := range []string{"member", "admin", "manager", "owner", "outsider"} {
		id, err := db.CreateUser(ctx, metadata.NewUser{Email: metadatatest.Slug(role) + "@example.com", Password: "long enough"})
		if err != nil {
			t.Fatal(err)
		}
		users[role] = id
		if role == "outsider" {
			continue // in the organization, in no team: below
		}
		if err := db.AddMember(ctx, org, id, role); err != nil {
			t.Fatal(err)
		}
		if err := db.SetTeamMember(ctx, org, team.ID, id, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddMember(ctx, org, users["outsider"], "member"); err != nil {
		t.Fatal(err)
	}

	sees := func(role string, project int64) (visibility, byIssue, byList, bySlug bool) {
		t.Helper()
		m, err := db.MembershipBySlug(ctx, users[role], base.Organization)
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.ProjectVisibility(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.IssueForUser(ctx, users[role], issues[project])
		if err != nil && !errors.Is(err, metadata.ErrNotFound) {
			t.Fatal(err)
		}
		listed, lerr := db.ListUserProjects(ctx, users[role], 100, 0)
		if lerr != nil {
			t.Fatal(lerr)
		}
		slug := teamProject.Slug
		if project == hidden {
			slug = base.Project
		}
		_, serr := db.ProjectForUser(ctx, users[role], base.Organization, slug)
		if serr != nil && !errors.Is(serr, metadata.ErrNotFound) {
			t.Fatal(serr)
		}
		return v.Sees(project), err == nil, slices.ContainsFunc(listed, func(p metadata.Project) bool { return p.ID == project }), serr == nil
	}

	check := func(open bool) {
		t.Helper()
		for _, tc := range []struct {
			role        string
			hidden, own bool
		}{
			{"member", open, true},
			{"admin", open, true},
			{"manager", true, true},
			{"owner", true, true},
			{"outsider", open, open},
		} {
			for project, want := range map[int64]bool{hidden: tc.hidden, teamProject.ID: tc.own} {
				v, i, l, s := sees(tc.role, project)
				if v != want || i != want || l != want || s != want {
					t.Errorf("open=%v %s, project %d: visibility %v, issue %v, list %v, by slug %v; want %v",
						open, tc.role, project, v, i, l, s, want)
				}
			}
		}
	}

	if on, err := db.OrgOpenMembership(ctx, org); err != nil || !on {
		t.Fatalf("a new organization's membership: open=%v %v, want open", on, err)
	}
	check(true)
	if err := db.SetOrgOpenMembership(ctx, org, false); err != nil {
		t.Fatal(err)
	}
	check(false)

	// isMember: which projects belong to a team of the user.
	mine, err := db.ProjectsOfUserTeams(ctx, users["member"], []int64{hidden, teamProject.ID})
	if err != nil || mine[hidden] || !mine[teamProject.ID] {
		t.Errorf("the member's team projects: %v %v", mine, err)
	}
	// Each restricted member's projects, as the organization's users list
	// shows them; owners and managers are absent (they see all).
	all, err := db.MembersVisibility(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := all[users["owner"]]; ok {
		t.Error("an owner is listed as restricted")
	}
	if v := all[users["outsider"]]; v.All || len(v.Projects) != 0 {
		t.Errorf("a member in no team sees %+v, want nothing", v)
	}
	if v := all[users["member"]]; !v.Sees(teamProject.ID) || v.Sees(hidden) {
		t.Errorf("a team member sees %+v, want its team's project only", v)
	}

	// Leaving the organization leaves its teams: a member invited back
	// sees nothing it did not join again.
	if err := db.RemoveMember(ctx, org, users["member"]); err != nil {
		t.Fatal(err)
	}
	if err := db.AddMember(ctx, org, users["member"], "member"); err != nil {
		t.Fatal(err)
	}
	if v, _, _, _ := sees("member", teamProject.ID); v {
		t.Error("a member who left and came back still sees its old team's project")
	}

	if err := db.SetOrgOpenMembership(ctx, org, true); err != nil {
		t.Fatal(err)
	}
	if v, i, l, s := sees("member", hidden); !v || !i || !l || !s {
		t.Errorf("membership open again: the member sees the project: %v %v %v %v, want all true", v, i, l, s)
	}
}

// TestClosedMembershipAlertEmails: an alert mailed to "every member"
// reaches, with membership closed, only the members who see the project.
func TestClosedMembershipAlertEmails(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	base := metadatatest.Project(t, db, "access-mail")
	org := base.OrganizationID
	team, err := db.CreateTeam(ctx, org, base.UserID, "Web", metadatatest.Slug("web"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetProjectTeam(ctx, base.ProjectID, team.ID, true); err != nil {
		t.Fatal(err)
	}
	emails := map[string]string{}
	for _, who := range []string{"in-team", "outside"} {
		emails[who] = metadatatest.Slug(who) + "@example.com"
		id, err := db.CreateUser(ctx, metadata.NewUser{Email: emails[who], Password: "long enough"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AddMember(ctx, org, id, "member"); err != nil {
			t.Fatal(err)
		}
		if who == "in-team" {
			if err := db.SetTeamMember(ctx, org, team.ID, id, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	rule, err := db.SaveAlertRule(ctx, metadata.AlertRule{ProjectID: base.ProjectID, Name: "Everyone", Triggers: []string{"new_issue"},
		TimespanMin: 60, Quantity: 1, UsersQuantity: 1, IntervalMin: 1, Enabled: true, Recipients: []metadata.AlertRecipient{{Kind: "email"}}})
	if err != nil {
		t.Fatal(err)
	}
	mailed := func(open bool, issue int64) map[string]bool {
		t.Helper()
		if err := db.SetOrgOpenMembership(ctx, org, open); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FireAlert(ctx, rule, metadata.Alert{ProjectID: base.ProjectID, IssueID: &issue, Trigger: "new_issue", Title: "boom"}); err != nil {
			t.Fatal(err)
		}
		history, err := db.AlertHistory(ctx, base.ProjectID, 1, 0)
		if err != nil || len(history) != 1 {
			t.Fatalf("alert history: %+v %v", history, err)
		}
		out := map[string]bool{}
		for _, d := range history[0].Deliveries {
			out[d.Target] = true
		}
		return out
	}
	now := time.Now().UTC()
	var issues []int64
	for i := range 2 {
		ev := groupedEvent(200+i, now)
		ev.Fingerprint = fmt.Sprintf("fp-access-%d", i) // two issues: the rule fires once per issue
		ids, err := db.RecordEvents(ctx, base.ProjectID, []metadata.GroupedEvent{ev})
		if err != nil {
			t.Fatal(err)
		}
		issues = append(issues, ids[0])
	}
	if got := mailed(true, issues[0]); !got[emails["in-team"]] || !got[emails["outside"]] {
		t.Errorf("open membership mails %v, want both members", got)
	}
	if got := mailed(false, issues[1]); !got[emails["in-team"]] || got[emails["outside"]] {
		t.Errorf("closed membership mails %v, want the team's member and not the other", got)
	}
}
