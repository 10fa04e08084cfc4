package metadata_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// Creating a version twice adds projects and answers "not created", like
// Sentry's 208; the first values stay.
func TestCreateReleaseIsIdempotent(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	a := metadatatest.Project(t, db, "releases-test")
	other, err := db.CreateProject(ctx, metadata.NewProject{OrgID: a.OrganizationID, Name: "Other", Slug: metadatatest.Slug("other")})
	if err != nil {
		t.Fatal(err)
	}
	stranger := metadatatest.Project(t, db, "releases-test")

	r, created, err := db.CreateRelease(ctx, a.OrganizationID, metadata.NewRelease{Version: "web@1.0.0+build.7", Ref: "abc", URL: "https://example.com/1", ProjectIDs: []int64{a.ProjectID}})
	if err != nil || !created || r.ID == 0 || r.Ref != "abc" || !slices.Equal(r.ProjectIDs, []int64{a.ProjectID}) || r.DateReleased != nil {
		t.Fatalf("create: %+v, created %v, %v", r, created, err)
	}
	again, created, err := db.CreateRelease(ctx, a.OrganizationID, metadata.NewRelease{Version: "web@1.0.0+build.7", Ref: "changed",
		ProjectIDs: []int64{other.ID, stranger.ProjectID}})
	if err != nil || created || again.ID != r.ID || again.Ref != "abc" || !slices.Equal(again.ProjectIDs, []int64{a.ProjectID, other.ID}) {
		t.Errorf("create again: %+v, created %v, %v; want the same release with both projects of the organization", again, created, err)
	}
	// The same version in another organization is another release.
	if r2, created, err := db.CreateRelease(ctx, stranger.OrganizationID, metadata.NewRelease{Version: "web@1.0.0+build.7"}); err != nil || !created || r2.ID == r.ID {
		t.Errorf("other organization: %+v, %v, %v", r2, created, err)
	}
	if _, err := db.Release(ctx, a.OrganizationID, "web@2"); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("unknown release: %v, want ErrNotFound", err)
	}
}

func TestReleaseVersionsAreValidated(t *testing.T) {
	db := metadatatest.Open(t)
	a := metadatatest.Project(t, db, "releases-test")
	for _, v := range []string{"", ".", "..", "latest", "LATEST", "a/b", `a\b`, "a\nb", "tab\tbed", strings.Repeat("x", 201)} {
		_, _, err := db.CreateRelease(context.Background(), a.OrganizationID, metadata.NewRelease{Version: v})
		var invalid *metadata.InvalidError
		if !errors.As(err, &invalid) {
			t.Errorf("version %q: %v, want an InvalidError", v, err)
		}
	}
	for _, v := range []string{"1.0", "web@1.0.0+7", "é" + strings.Repeat("x", 199), "latest-1"} {
		if err := metadata.ValidReleaseVersion(v); err != nil {
			t.Errorf("version %q refused: %v", v, err)
		}
	}
}

// Updates change only what they name; deploys and commits are counted on
// the release and listed in their order.
func TestUpdateReleaseDeploysAndCommits(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	a := metadatatest.Project(t, db, "releases-test")
	r, _, err := db.CreateRelease(ctx, a.OrganizationID, metadata.NewRelease{Version: "2.0", URL: "https://example.com/2"})
	if err != nil {
		t.Fatal(err)
	}
	released := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ref := "v2.0"
	got, err := db.UpdateRelease(ctx, a.OrganizationID, "2.0", metadata.ReleaseChanges{Ref: &ref, SetDateReleased: true, DateReleased: &released,
		ProjectIDs: []int64{a.ProjectID}})
	if err != nil || got.Ref != "v2.0" || got.URL != "https://example.com/2" || got.DateReleased == nil || !got.DateReleased.Equal(released) ||
		len(got.ProjectIDs) != 1 {
		t.Fatalf("update: %+v, %v", got, err)
	}
	if _, err := db.UpdateRelease(ctx, a.OrganizationID, "2.1", metadata.ReleaseChanges{Ref: &ref}); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("update of an unknown release: %v", err)
	}

	commits := []metadata.Commit{
		{ID: "a1b2c3", Repository: "acme/web", Message: "fix checkout", AuthorName: "Ann", AuthorEmail: "ann@example.com", CommittedAt: &released},
		{ID: "d4e5f6", Repository: "acme/web"},
	}
	if _, err := db.UpdateRelease(ctx, a.OrganizationID, "2.0", metadata.ReleaseChanges{Commits: &commits}); err != nil {
		t.Fatal(err)
	}
	// Setting commits again replaces them.
	commits = append(commits[1:], metadata.Commit{ID: "0f0f0f"})
	got, err = db.UpdateRelease(ctx, a.OrganizationID, "2.0", metadata.ReleaseChanges{Commits: &commits})
	if err != nil || got.CommitCount != 2 {
		t.Fatalf("commits again: %+v, %v", got, err)
	}
	listed, err := db.ReleaseCommits(ctx, r.ID)
	if err != nil || len(listed) != 2 || listed[0].ID != "d4e5f6" || listed[1].ID != "0f0f0f" {
		t.Errorf("commits: %+v, %v", listed, err)
	}
	bad := []metadata.Commit{{ID: ""}}
	var invalid *metadata.InvalidError
	if _, err := db.UpdateRelease(ctx, a.OrganizationID, "2.0", metadata.ReleaseChanges{Commits: &bad}); !errors.As(err, &invalid) {
		t.Errorf("a commit without id: %v", err)
	}

	older := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if _, err := db.CreateDeploy(ctx, r.ID, metadata.Deploy{Environment: "staging", DateFinished: older}); err != nil {
		t.Fatal(err)
	}
	d, err := db.CreateDeploy(ctx, r.ID, metadata.Deploy{Environment: "production", Name: "deploy 7"})
	if err != nil || d.ID == 0 || d.DateFinished.IsZero() {
		t.Fatalf("deploy: %+v, %v", d, err)
	}
	if _, err := db.CreateDeploy(ctx, r.ID, metadata.Deploy{Environment: "a/b"}); !errors.As(err, &invalid) {
		t.Errorf("a deploy to environment a/b: %v", err)
	}
	got, err = db.Release(ctx, a.OrganizationID, "2.0")
	if err != nil || got.DeployCount != 2 || got.LastDeploy == nil || got.LastDeploy.Environment != "production" {
		t.Errorf("release after deploys: %+v, %v", got, err)
	}
	deploys, err := db.Deploys(ctx, r.ID)
	if err != nil || len(deploys) != 2 || deploys[0].Name != "deploy 7" || deploys[1].Environment != "staging" {
		t.Errorf("deploys: %+v, %v", deploys, err)
	}

	if err := db.DeleteRelease(ctx, a.OrganizationID, "2.0"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteRelease(ctx, a.OrganizationID, "2.0"); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if left, err := db.Deploys(ctx, r.ID); err != nil || len(left) != 0 {
		t.Errorf("deploys of a deleted release: %+v, %v", left, err)
	}
}

// Versions list newest first, filtered by project and by a substring
// that ignores case.
func TestReleaseVersions(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	a := metadatatest.Project(t, db, "releases-test")
	other, err := db.CreateProject(ctx, metadata.NewProject{OrgID: a.OrganizationID, Name: "Other", Slug: metadatatest.Slug("other")})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range []string{"Web@1", "web@2", "api@1"} {
		project := a.ProjectID
		if strings.HasPrefix(v, "api") {
			project = other.ID
		}
		if _, _, err := db.CreateRelease(ctx, a.OrganizationID, metadata.NewRelease{Version: v, ProjectIDs: []int64{project}}); err != nil {
			t.Fatalf("release %d: %v", i, err)
		}
	}
	versions := func(projects []int64, q string, also ...string) string {
		vs, err := db.ReleaseVersions(ctx, a.OrganizationID, projects, also, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range vs {
			out = append(out, v.Version)
		}
		return fmt.Sprint(out)
	}
	if got := versions(nil, ""); got != "[api@1 web@2 Web@1]" {
		t.Errorf("all: %s", got)
	}
	if got := versions(nil, "WEB@"); got != "[web@2 Web@1]" {
		t.Errorf("query WEB@: %s", got)
	}
	if got := versions([]int64{other.ID}, ""); got != "[api@1]" {
		t.Errorf("project other: %s", got)
	}
	if got := versions([]int64{other.ID}, "", "Web@1", "nope"); got != "[api@1 Web@1]" {
		t.Errorf("project other, or Web@1: %s", got)
	}
	if got := versions(nil, "%"); got != "[]" {
		t.Errorf("query %%: %s, want no match (not a LIKE pattern)", got)
	}
	rs, err := db.Releases(ctx, a.OrganizationID, []string{"web@2", "nope"})
	if err != nil || len(rs) != 1 || rs[0].Version != "web@2" {
		t.Errorf("releases: %+v, %v", rs, err)
	}
}

// New issues of a release are the issues of the projects whose first
// event carried it.
func TestNewIssueCounts(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	a := metadatatest.Project(t, db, "releases-test")
	now := time.Now()
	var events []metadata.GroupedEvent
	for i := range 3 {
		e := groupedEvent(i, now)
		e.Fingerprint = fmt.Sprintf("fp-release-%d", i)
		events = append(events, e)
	}
	ids, err := db.RecordEvents(ctx, a.ProjectID, events)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range []string{"1.0", "1.0", "2.0"} {
		if err := db.SetFirstRelease(ctx, ids[i], v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.NewIssueCounts(ctx, []int64{a.ProjectID}, []string{"1.0", "2.0", "3.0"})
	if err != nil || fmt.Sprint(got) != "map[1.0:2 2.0:1]" {
		t.Errorf("new issues: %v, %v", got, err)
	}
	if got, err := db.NewIssueCounts(ctx, []int64{a.ProjectID + 1_000_000}, []string{"1.0"}); err != nil || len(got) != 0 {
		t.Errorf("another project's: %v, %v", got, err)
	}
}

// The previous release with commits is the newest one created before the
// version that has any, with its head commit.
func TestPreviousReleaseWithCommits(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	a := metadatatest.Project(t, db, "releases-test")
	if _, _, err := db.PreviousReleaseWithCommits(ctx, a.OrganizationID, "3"); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("no releases: %v", err)
	}
	for _, v := range []string{"1", "2", "3"} {
		var commits *[]metadata.Commit
		if v == "1" {
			commits = &[]metadata.Commit{{ID: "head1", Repository: "acme/web"}, {ID: "older"}}
		}
		if _, _, err := db.CreateRelease(ctx, a.OrganizationID, metadata.NewRelease{Version: v, Commits: commits}); err != nil {
			t.Fatal(err)
		}
	}
	r, head, err := db.PreviousReleaseWithCommits(ctx, a.OrganizationID, "3")
	if err != nil || r.Version != "1" || head.ID != "head1" {
		t.Errorf("before 3: %+v, %+v, %v", r, head, err)
	}
	if _, _, err := db.PreviousReleaseWithCommits(ctx, a.OrganizationID, "1"); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("before 1: %v, want ErrNotFound", err)
	}
	if r, _, err := db.PreviousReleaseWithCommits(ctx, a.OrganizationID, "not-stored"); err != nil || r.Version != "1" {
		t.Errorf("before a version not stored: %+v, %v", r, err)
	}
}
