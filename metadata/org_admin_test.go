package metadata_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// wantConflict fails unless err is an InvalidError marked as a conflict
// (answered 409) containing want.
func wantConflict(t *testing.T, err error, want string) {
	t.Helper()
	wantInvalid(t, err, want)
	var invalid *metadata.InvalidError
	if errors.As(err, &invalid); !invalid.Conflict() {
		t.Fatalf("err = %v, want a conflict", err)
	}
}

func TestTakenSlugsAreConflicts(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	a := metadatatest.Project(t, db, "conflict")
	b, err := db.CreateProject(ctx, metadata.NewProject{OrgID: a.OrganizationID, Name: "Second"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.CreateProject(ctx, metadata.NewProject{OrgID: a.OrganizationID, Name: "Second"})
	wantConflict(t, err, `"second" is taken`)
	_, err = db.UpdateProject(ctx, b.ID, metadata.ProjectUpdate{Slug: &a.Project})
	wantConflict(t, err, "slug: the slug")
	bad := "Not A Slug"
	_, err = db.UpdateProject(ctx, b.ID, metadata.ProjectUpdate{Slug: &bad})
	wantInvalid(t, err, "slug: ")

	renamed := metadatatest.Slug("renamed")
	p, err := db.UpdateProject(ctx, b.ID, metadata.ProjectUpdate{Slug: &renamed})
	if err != nil || p.Slug != renamed {
		t.Fatalf("rename: %+v %v", p, err)
	}
	if _, err := db.ProjectInOrg(ctx, a.OrganizationID, "second"); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("the old slug after a rename: %v, want ErrNotFound", err)
	}

	other := metadatatest.Project(t, db, "conflict")
	_, err = db.UpdateOrganization(ctx, a.OrganizationID, nil, &other.Organization)
	wantConflict(t, err, "is taken")
	empty := " "
	_, err = db.UpdateOrganization(ctx, a.OrganizationID, &empty, nil)
	wantInvalid(t, err, "name: ")
	name, orgSlug := "Renamed Org", metadatatest.Slug("neworg")
	o, err := db.UpdateOrganization(ctx, a.OrganizationID, &name, &orgSlug)
	if err != nil || o.Name != name || o.Slug != orgSlug {
		t.Fatalf("update organization: %+v %v", o, err)
	}

	t1, err := db.CreateTeam(ctx, a.OrganizationID, a.UserID, "Team One", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTeam(ctx, a.OrganizationID, a.UserID, "Team Two", ""); err != nil {
		t.Fatal(err)
	}
	two := "team-two"
	_, err = db.UpdateTeam(ctx, a.OrganizationID, t1.ID, nil, &two)
	wantConflict(t, err, "is taken")
	if _, err := db.UpdateTeam(ctx, other.OrganizationID, t1.ID, nil, nil); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("another organization's team: %v, want ErrNotFound", err)
	}
	teamName := "Team Uno"
	if got, err := db.UpdateTeam(ctx, a.OrganizationID, t1.ID, &teamName, nil); err != nil || got.Name != teamName || got.Slug != "team-one" {
		t.Errorf("rename team: %+v %v", got, err)
	}
}

func TestCreateProjectForTeam(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	a := metadatatest.Project(t, db, "team-project")
	other := metadatatest.Project(t, db, "team-project")
	team, err := db.CreateTeam(ctx, a.OrganizationID, a.UserID, "Owners", "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.CreateProject(ctx, metadata.NewProject{OrgID: a.OrganizationID, Name: "Owned", TeamID: team.ID})
	if err != nil {
		t.Fatal(err)
	}
	if teams, err := db.ProjectTeams(ctx, p.ID); err != nil || len(teams) != 1 || teams[0].ID != team.ID {
		t.Errorf("the new project's teams: %+v %v", teams, err)
	}
	// Another organization's team: nothing is created.
	_, err = db.CreateProject(ctx, metadata.NewProject{OrgID: other.OrganizationID, Name: "Stolen", TeamID: team.ID})
	if !errors.Is(err, metadata.ErrNotFound) {
		t.Fatalf("a project for another organization's team: %v, want ErrNotFound", err)
	}
	if _, err := db.ProjectInOrg(ctx, other.OrganizationID, "stolen"); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("the refused project exists: %v", err)
	}
	list, err := db.ListUserProjects(ctx, a.UserID, 10, 0)
	if err != nil || len(list) != 2 || list[0].OrgName == "" {
		t.Errorf("the user's projects: %+v %v", list, err)
	}
}

func TestDeleteOrganizationQueuesPurges(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	a := metadatatest.Project(t, db, "delete-org")
	second, err := db.CreateProject(ctx, metadata.NewProject{OrgID: a.OrganizationID, Name: "Second"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteOrganization(ctx, a.OrganizationID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MembershipBySlug(ctx, a.UserID, a.Organization); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("membership after delete: %v", err)
	}
	if _, err := db.LookupKey(ctx, a.PublicKey); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("the organization's DSN key after delete: %v", err)
	}
	pending, err := db.PendingPurges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]bool{a.ProjectID: true, second.ID: true}
	for _, id := range pending {
		delete(want, id)
	}
	if len(want) != 0 {
		t.Errorf("projects not queued for the purge: %v (pending %v)", want, pending)
	}
	if err := db.DeleteOrganization(ctx, a.OrganizationID); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("deleting it twice: %v", err)
	}
}

func TestAutoResolve(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	now := time.Now()
	record := func(projectID int64, name string, ago time.Duration) int64 {
		ids, err := db.RecordEvents(ctx, projectID, []metadata.GroupedEvent{{EventID: fmt.Sprintf("%032x", now.UnixNano()+int64(ago)),
			Fingerprint: name, Title: name, Level: "error", Timestamp: now.Add(-ago)}})
		if err != nil {
			t.Fatal(err)
		}
		return ids[0]
	}
	a := metadatatest.Project(t, db, "auto-resolve")
	b := metadatatest.Project(t, db, "auto-resolve")
	old, fresh := record(a.ProjectID, "old", 3*time.Hour), record(a.ProjectID, "fresh", time.Minute)
	otherOld := record(b.ProjectID, "old", 30*time.Hour) // b has no resolve age
	age := 2
	if _, err := db.UpdateProject(ctx, a.ProjectID, metadata.ProjectUpdate{ResolveAgeHours: &age}); err != nil {
		t.Fatal(err)
	}
	n, err := db.AutoResolve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 {
		t.Errorf("resolved %d issues, want at least the old one", n)
	}
	status := func(user, id int64) string {
		is, err := db.IssueForUser(ctx, user, id)
		if err != nil {
			t.Fatal(err)
		}
		return is.Status
	}
	if s := status(a.UserID, old); s != "resolved" {
		t.Errorf("issue not seen for 3 hours with a 2-hour resolve age: %s", s)
	}
	if s := status(a.UserID, fresh); s != "unresolved" {
		t.Errorf("issue seen a minute ago: %s", s)
	}
	if s := status(b.UserID, otherOld); s != "unresolved" {
		t.Errorf("issue of a project without a resolve age: %s", s)
	}
	if act, err := db.IssueActivity(ctx, old); err != nil || len(act) == 0 || act[0].Kind != "set_resolved_by_age" {
		t.Errorf("activity %+v %v, want set_resolved_by_age", act, err)
	}
	neg := -1
	_, err = db.UpdateProject(ctx, a.ProjectID, metadata.ProjectUpdate{ResolveAgeHours: &neg})
	wantInvalid(t, err, "resolveAge")
}
