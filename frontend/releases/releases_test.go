package releases_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/releases"
	"github.com/faultline/faultline/frontend/releases/releasestest"
	"github.com/faultline/faultline/metadata"
)

var (
	at       = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	projects = []metadata.Project{{ID: 1, Slug: "web"}, {ID: 2, Slug: "api"}}
)

func versions(views []releases.View) string {
	var out []string
	for _, v := range views {
		out = append(out, v.Version)
	}
	return fmt.Sprint(out)
}

// Stored releases and versions only events name are one list, newest
// first (a version only events name dates from its first event), filtered
// by part of the version and cut into pages.
func TestListMergesStoredAndSeen(t *testing.T) {
	store := &releasestest.Store{
		Stored: []metadata.Release{
			{ID: 1, OrgID: 1, Version: "web@2", CreatedAt: at, ProjectIDs: []int64{1}},
			{ID: 2, OrgID: 1, Version: "api@2", CreatedAt: at.Add(-2 * time.Hour), ProjectIDs: []int64{2}},
		},
		Seen: []analytics.ReleaseSeen{
			{Release: "web@2", First: at.Add(-5 * time.Hour), Last: at, Projects: []uint64{1, 2}},
			{Release: "Web@1", First: at.Add(-time.Hour), Last: at, Projects: []uint64{1}},
			{Release: "api@1", First: at.Add(-3 * time.Hour), Last: at, Projects: []uint64{2}},
		},
	}
	s := releases.New(store, store, nil)
	ctx := context.Background()
	all := releases.Scope{OrgID: 1, Projects: projects}
	list := func(sc releases.Scope, query string, limit, offset int) string {
		views, err := s.List(ctx, sc, query, limit, offset, at)
		if err != nil {
			t.Fatal(err)
		}
		return versions(views)
	}
	for _, c := range []struct {
		name          string
		sc            releases.Scope
		query         string
		limit, offset int
		want          string
	}{
		{"all", all, "", 10, 0, "[web@2 Web@1 api@2 api@1]"},
		{"query, any case", all, "WEB", 10, 0, "[web@2 Web@1]"},
		{"second page", all, "", 2, 2, "[api@2 api@1]"},
		{"past the end", all, "", 2, 4, "[]"},
		{"project api", releases.Scope{OrgID: 1, Projects: projects, Only: []int64{2}}, "", 10, 0, "[web@2 api@2 api@1]"},
	} {
		if got := list(c.sc, c.query, c.limit, c.offset); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}

	views, err := s.List(ctx, all, "web@", 10, 0, at)
	if err != nil {
		t.Fatal(err)
	}
	web2, web1 := views[0], views[1]
	if web2.ID != 1 || web2.FirstEvent == nil || !web2.FirstEvent.Equal(at.Add(-5*time.Hour)) || len(web2.Projects) != 2 {
		t.Errorf("web@2, stored and seen in both projects: %+v", web2)
	}
	if web1.ID != 0 || !web1.CreatedAt.Equal(at.Add(-time.Hour)) || len(web1.Projects) != 1 || web1.Projects[0].Slug != "web" {
		t.Errorf("Web@1, only seen: %+v", web1)
	}
}

// Changing a version only events name stores it first, with the projects
// that sent them; an unknown version is not created.
func TestUpdateStoresAVersionOnlyEventsName(t *testing.T) {
	store := &releasestest.Store{Seen: []analytics.ReleaseSeen{{Release: "web@1", First: at, Last: at, Projects: []uint64{2}}}}
	s := releases.New(store, store, nil)
	ctx := context.Background()
	sc := releases.Scope{OrgID: 1, Projects: projects}
	ref := "main"
	v, err := s.Update(ctx, sc, "web@1", metadata.ReleaseChanges{Ref: &ref}, at)
	if err != nil || v.ID == 0 || v.Ref != "main" || len(v.ProjectIDs) != 1 || v.ProjectIDs[0] != 2 {
		t.Errorf("update: %+v, %v", v, err)
	}
	var missing interface{ Missing() bool }
	if _, err := s.Update(ctx, sc, "web@9", metadata.ReleaseChanges{Ref: &ref}, at); err == nil || !errorAs(err, &missing) || !missing.Missing() {
		t.Errorf("update of an unknown version: %v", err)
	}
	if len(store.Stored) != 1 {
		t.Errorf("stored %+v, want web@1 alone", store.Stored)
	}
}

func errorAs(err error, target *interface{ Missing() bool }) bool {
	m, ok := err.(interface{ Missing() bool })
	*target = m
	return ok
}
