package metadata_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// An organization's repositories are its own: names are unique in it
// ignoring case, other organizations neither see nor delete them.
func TestRepositories(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	a := metadatatest.Project(t, db, "repos-test")
	b := metadatatest.Project(t, db, "repos-test")

	web, err := db.CreateRepository(ctx, a.OrganizationID, metadata.NewRepository{Name: "acme/web", URL: "https://git.example.com/acme/web"})
	if err != nil || web.ID == 0 || web.Provider != metadata.CustomProvider || web.CreatedAt.IsZero() {
		t.Fatalf("create: %+v, %v", web, err)
	}
	if _, err := db.CreateRepository(ctx, a.OrganizationID, metadata.NewRepository{Name: "Acme/Web"}); !errors.Is(err, metadata.ErrDuplicate) {
		t.Errorf("the same name in other case: %v, want ErrDuplicate", err)
	}
	if _, err := db.CreateRepository(ctx, b.OrganizationID, metadata.NewRepository{Name: "acme/web"}); err != nil {
		t.Errorf("the same name in another organization: %v", err)
	}
	if _, err := db.CreateRepository(ctx, a.OrganizationID, metadata.NewRepository{Name: "acme/api"}); err != nil {
		t.Fatal(err)
	}
	list, err := db.Repositories(ctx, a.OrganizationID)
	if err != nil || len(list) != 2 || list[0].Name != "acme/api" || list[1] != web {
		t.Errorf("list: %+v, %v", list, err)
	}
	if err := db.DeleteRepository(ctx, b.OrganizationID, web.ID); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("deleting another organization's repository: %v, want ErrNotFound", err)
	}
	if err := db.DeleteRepository(ctx, a.OrganizationID, web.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := db.Repositories(ctx, a.OrganizationID); len(list) != 1 || list[0].Name != "acme/api" {
		t.Errorf("after delete: %+v", list)
	}
}

func TestCreateRepositoryRefusals(t *testing.T) {
	db := metadatatest.Open(t)
	a := metadatatest.Project(t, db, "repos-test")
	for _, c := range []struct {
		repo   metadata.NewRepository
		detail string
	}{
		{metadata.NewRepository{}, "needs a name"},
		{metadata.NewRepository{Name: strings.Repeat("r", 201)}, "at most 200"},
		{metadata.NewRepository{Name: "acme web"}, "no spaces"},
		{metadata.NewRepository{Name: "acme/web@1"}, "cannot contain @"},
		{metadata.NewRepository{Name: "acme/web", Provider: "integrations:github"}, "custom repositories only"},
		{metadata.NewRepository{Name: "acme/web", URL: "javascript:alert(1)"}, "url: send an http or https URL"},
	} {
		_, err := db.CreateRepository(context.Background(), a.OrganizationID, c.repo)
		var inv *metadata.InvalidError
		if !errors.As(err, &inv) || !strings.Contains(err.Error(), c.detail) {
			t.Errorf("%+v: %v, want an InvalidError with %q", c.repo, err, c.detail)
		}
	}
}
