package metadata_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// releaseIssue records events of one fingerprint in a fresh project and
// resolves and reads its issue.
type releaseIssue struct {
	t    *testing.T
	db   *metadata.DB
	proj metadata.BootstrapResult
	id   int64
	n    int
	now  time.Time
}

func newReleaseIssue(t *testing.T, releases ...string) *releaseIssue {
	db := metadatatest.Open(t)
	r := &releaseIssue{t: t, db: db, proj: metadatatest.Project(t, db, "resolution-test"), now: time.Now().UTC()}
	for _, rel := range releases {
		r.send(rel)
	}
	return r
}

// event is a fresh event of the issue with a release, a second after the
// previous one.
func (r *releaseIssue) event(fingerprint, release string) metadata.GroupedEvent {
	r.n++
	e := groupedEvent(r.n, r.now.Add(time.Duration(r.n)*time.Second))
	e.Fingerprint, e.Release = fingerprint, release
	return e
}

// send records one event of release ("" for none).
func (r *releaseIssue) send(release string) {
	r.t.Helper()
	ids, err := r.db.RecordEvents(context.Background(), r.proj.ProjectID, []metadata.GroupedEvent{r.event("fp-release", release)})
	if err != nil {
		r.t.Fatal(err)
	}
	r.id = ids[0]
}

func (r *releaseIssue) resolve(u metadata.IssueUpdate) {
	r.t.Helper()
	resolved := "resolved"
	u.Status = &resolved
	if _, err := r.db.UpdateIssues(context.Background(), []int64{r.proj.ProjectID}, []int64{r.id}, r.proj.UserID, u); err != nil {
		r.t.Fatal(err)
	}
}

func (r *releaseIssue) get() metadata.Issue {
	r.t.Helper()
	is, err := r.db.IssueForUser(context.Background(), r.proj.UserID, r.id)
	if err != nil {
		r.t.Fatal(err)
	}
	return is
}

func (r *releaseIssue) register(version string, created time.Time) {
	r.t.Helper()
	if err := r.db.AddProjectRelease(context.Background(), r.proj.OrganizationID, r.proj.ProjectID, version, created); err != nil {
		r.t.Fatal(err)
	}
}

// expect checks the issue's status after an event of release.
func (r *releaseIssue) expect(release, status string) {
	r.t.Helper()
	before := r.get()
	r.send(release)
	is := r.get()
	if is.Status != status || is.TimesSeen != before.TimesSeen+1 {
		r.t.Fatalf("after an event of release %q: %s, seen %d times; want %s, seen %d times", release, is.Status, is.TimesSeen, status, before.TimesSeen+1)
	}
	if status == "unresolved" && (is.RegressedAt == nil || is.ResolutionType != "" || is.ResolutionRelease != "") {
		r.t.Fatalf("reopened by release %q: %+v; want a regression without a resolution", release, is)
	}
	activity, err := r.db.IssueActivity(context.Background(), r.id)
	if err != nil {
		r.t.Fatal(err)
	}
	if regressed := activity[0].Kind == "set_regression"; regressed != (status == "unresolved") {
		r.t.Fatalf("after an event of release %q the newest activity is %s", release, activity[0].Kind)
	}
}

func (r *releaseIssue) lastActivity() metadata.Activity {
	r.t.Helper()
	activity, err := r.db.IssueActivity(context.Background(), r.id)
	if err != nil || len(activity) == 0 {
		r.t.Fatalf("activity %v, %v", activity, err)
	}
	return activity[0]
}

func TestIssueReleases(t *testing.T) {
	r := newReleaseIssue(t, "1.0.0", "1.1.0", "")
	if is := r.get(); is.FirstRelease != "1.0.0" || is.LastRelease != "1.1.0" {
		t.Fatalf("first release %q, last %q; want 1.0.0 and 1.1.0 (an event without one leaves it)", is.FirstRelease, is.LastRelease)
	}
	// An event older than the newest one counts, but does not name the last release.
	old := groupedEvent(99, r.now.Add(-time.Hour))
	old.Fingerprint, old.Release = "fp-release", "0.1.0"
	if _, err := r.db.RecordEvents(context.Background(), r.proj.ProjectID, []metadata.GroupedEvent{old}); err != nil {
		t.Fatal(err)
	}
	if is := r.get(); is.LastRelease != "1.1.0" || is.FirstRelease != "1.0.0" || is.TimesSeen != 4 {
		t.Fatalf("after an old event: %+v", is)
	}
}

func TestResolvedInNextRelease(t *testing.T) {
	r := newReleaseIssue(t, "0.9.0", "1.0.0")
	r.register("0.9.0", r.now.Add(-48*time.Hour))
	r.register("1.0.0", r.now.Add(-24*time.Hour))
	r.resolve(metadata.IssueUpdate{InNextRelease: true})
	is := r.get()
	if is.Status != "resolved" || is.ResolutionType != "in_next_release" || is.ResolutionRelease != "1.0.0" {
		t.Fatalf("resolved in the next release: %+v; want resolved after 1.0.0", is)
	}
	if a := r.lastActivity(); a.Kind != "set_resolved_in_release" || a.Data["version"] != "" {
		t.Fatalf("activity %+v, want set_resolved_in_release with version \"\"", a)
	}
	r.expect("1.0.0", "resolved") // the release it was resolved in, still running
	r.expect("0.9.0", "resolved")
	r.expect("", "resolved")
	r.expect("1.1.0", "unresolved")
}

// The latest release is the newest registered one when the issue's events
// have not reached it yet, and by creation order when versions are not
// semantic.
func TestNextReleaseIsTheLatestKnown(t *testing.T) {
	t.Run("registered release newer than the events", func(t *testing.T) {
		r := newReleaseIssue(t, "1.0.0")
		r.register("1.2.0", r.now.Add(-time.Hour))
		r.resolve(metadata.IssueUpdate{InNextRelease: true})
		if is := r.get(); is.ResolutionRelease != "1.2.0" {
			t.Fatalf("resolved after %q, want 1.2.0", is.ResolutionRelease)
		}
		r.expect("1.1.0", "resolved")
		r.expect("1.2.1", "unresolved")
	})
	t.Run("by creation", func(t *testing.T) {
		r := newReleaseIssue(t, "abc")
		r.register("abc", r.now.Add(-48*time.Hour))
		r.register("def", r.now.Add(-24*time.Hour))
		r.resolve(metadata.IssueUpdate{InNextRelease: true})
		if is := r.get(); is.ResolutionRelease != "def" {
			t.Fatalf("resolved after %q, want def", is.ResolutionRelease)
		}
		r.expect("abc", "resolved")
		r.expect("def", "resolved")
		r.expect("ghi", "unresolved") // not registered: a new build
	})
	t.Run("no releases anywhere", func(t *testing.T) {
		r := newReleaseIssue(t, "")
		r.resolve(metadata.IssueUpdate{InNextRelease: true})
		if is := r.get(); is.ResolutionType != "in_next_release" || is.ResolutionRelease != "" {
			t.Fatalf("resolved: %+v", is)
		}
		r.expect("", "resolved")
		r.expect("0.0.1", "unresolved")
	})
}

func TestResolvedInRelease(t *testing.T) {
	r := newReleaseIssue(t, "1.9.0")
	r.resolve(metadata.IssueUpdate{InRelease: "2.0.0"})
	is := r.get()
	if is.Status != "resolved" || is.ResolutionType != "in_release" || is.ResolutionRelease != "2.0.0" {
		t.Fatalf("resolved in 2.0.0: %+v", is)
	}
	if a := r.lastActivity(); a.Kind != "set_resolved_in_release" || a.Data["version"] != "2.0.0" {
		t.Fatalf("activity %+v, want set_resolved_in_release with version 2.0.0", a)
	}
	r.expect("1.9.0", "resolved")
	r.expect("2.0.0-rc.1", "resolved")
	r.expect("", "resolved")
	r.expect("2.0.0", "unresolved") // not fixed in 2.0.0 after all
	r.resolve(metadata.IssueUpdate{InRelease: "2.0.0"})
	r.expect("2.1.0", "unresolved")
	// Resolved plainly, the release rules are gone: any newer event reopens.
	r.resolve(metadata.IssueUpdate{})
	if is := r.get(); is.ResolutionType != "" || is.ResolutionRelease != "" {
		t.Fatalf("resolved plainly: %+v", is)
	}
	r.expect("", "unresolved")
}

// One batch reopens, per issue, exactly the issues its events show are not
// fixed, whatever the order of their events.
func TestReleaseRegressionsInOneBatch(t *testing.T) {
	r := newReleaseIssue(t)
	ctx := context.Background()
	first := []metadata.GroupedEvent{r.event("fp-a", "1.0.0"), r.event("fp-b", "1.0.0"), r.event("fp-c", "1.0.0")}
	ids, err := r.db.RecordEvents(ctx, r.proj.ProjectID, first)
	if err != nil {
		t.Fatal(err)
	}
	resolved := "resolved"
	update := func(id int64, u metadata.IssueUpdate) {
		u.Status = &resolved
		if _, err := r.db.UpdateIssues(ctx, []int64{r.proj.ProjectID}, []int64{id}, r.proj.UserID, u); err != nil {
			t.Fatal(err)
		}
	}
	update(ids[0], metadata.IssueUpdate{InNextRelease: true}) // after 1.0.0
	update(ids[1], metadata.IssueUpdate{InRelease: "2.0.0"})
	update(ids[2], metadata.IssueUpdate{InRelease: "2.0.0"})
	rec, err := r.db.RecordEventsDetailed(ctx, r.proj.ProjectID, []metadata.GroupedEvent{
		r.event("fp-a", "1.0.0"), r.event("fp-b", "2.0.0"), r.event("fp-b", "1.5.0"), r.event("fp-c", "1.5.0"), r.event("fp-a", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{ids[0]: "resolved", ids[1]: "unresolved", ids[2]: "resolved"}
	for id, status := range want {
		r.id = id
		if is := r.get(); is.Status != status || rec.Regressed[id] != (status == "unresolved") {
			t.Errorf("issue %s: %s, regressed %v; want %s", is.Title, is.Status, rec.Regressed[id], status)
		}
	}
}

func TestReleaseResolutionRefused(t *testing.T) {
	r := newReleaseIssue(t, "1.0.0")
	ctx := context.Background()
	unresolved, resolved := "unresolved", "resolved"
	for name, u := range map[string]metadata.IssueUpdate{
		"in release while unresolving": {Status: &unresolved, InRelease: "1.0.0"},
		"next release without status":  {InNextRelease: true},
		"both":                         {Status: &resolved, InRelease: "1.0.0", InNextRelease: true},
		"NUL":                          {Status: &resolved, InRelease: "a\x00b"},
		"newline":                      {Status: &resolved, InRelease: "1.0\n"},
		"blank":                        {Status: &resolved, InRelease: "  "},
		"slash":                        {Status: &resolved, InRelease: "feature/x"},
		"too long":                     {Status: &resolved, InRelease: strings.Repeat("v", 251)},
	} {
		_, err := r.db.UpdateIssues(ctx, []int64{r.proj.ProjectID}, []int64{r.id}, r.proj.UserID, u)
		var bad *metadata.InvalidError
		if !errors.As(err, &bad) {
			t.Errorf("%s: %v, want an InvalidError", name, err)
		}
	}
	if is := r.get(); is.Status != "unresolved" {
		t.Errorf("a refused update changed the issue: %+v", is)
	}
}

// "latest" resolves in the release that is the latest now, and is refused
// while none is known.
func TestResolvedInLatestRelease(t *testing.T) {
	r := newReleaseIssue(t, "")
	resolved := "resolved"
	_, err := r.db.UpdateIssues(context.Background(), []int64{r.proj.ProjectID}, []int64{r.id}, r.proj.UserID,
		metadata.IssueUpdate{Status: &resolved, InRelease: metadata.LatestRelease})
	var bad *metadata.InvalidError
	if !errors.As(err, &bad) || r.get().Status != "unresolved" {
		t.Fatalf("latest without releases: %v; want an InvalidError", err)
	}
	r.send("3.0.0")
	r.register("2.0.0", r.now)
	r.resolve(metadata.IssueUpdate{InRelease: metadata.LatestRelease})
	if is := r.get(); is.ResolutionType != "in_release" || is.ResolutionRelease != "3.0.0" {
		t.Fatalf("resolved in the latest: %+v, want in release 3.0.0", is)
	}
	if a := r.lastActivity(); a.Kind != "set_resolved_in_release" || a.Data["version"] != "3.0.0" {
		t.Fatalf("activity %+v, want set_resolved_in_release with version 3.0.0", a)
	}
	r.expect("2.0.0", "resolved")
	r.expect("3.0.0", "unresolved")
}

// first-release: finds a release's new issues: those whose first event
// came from it, whatever later events name.
func TestSearchByFirstRelease(t *testing.T) {
	r := newReleaseIssue(t)
	ctx := context.Background()
	ids, err := r.db.RecordEvents(ctx, r.proj.ProjectID, []metadata.GroupedEvent{
		r.event("fp-old", "1.0.0"), r.event("fp-old", "2.0.0"), r.event("fp-new", "2.0.0"), r.event("fp-none", "")})
	if err != nil {
		t.Fatal(err)
	}
	oldIssue, newIssue := ids[0], ids[2]
	for _, c := range []struct {
		name    string
		f       metadata.IssueFilter
		want    []int64
		exclude []int64
	}{
		{"first-release:2.0.0", metadata.IssueFilter{FirstReleases: []string{"2.0.0"}}, []int64{newIssue}, []int64{oldIssue}},
		{"first-release:1.0.0", metadata.IssueFilter{FirstReleases: []string{"1.0.0"}}, []int64{oldIssue}, []int64{newIssue}},
		{"!first-release:1.0.0", metadata.IssueFilter{NotFirstReleases: []string{"1.0.0"}}, []int64{newIssue}, []int64{oldIssue}},
	} {
		c.f.ProjectIDs, c.f.Limit = []int64{r.proj.ProjectID}, 100
		got, err := r.db.SearchIssues(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		found := map[int64]bool{}
		for _, is := range got {
			found[is.ID] = true
		}
		for _, id := range c.want {
			if !found[id] {
				t.Errorf("%s: issue %d missing from %v", c.name, id, found)
			}
		}
		for _, id := range c.exclude {
			if found[id] {
				t.Errorf("%s: issue %d should not match", c.name, id)
			}
		}
	}
}
