package metadata_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// wantInvalid fails unless err is an InvalidError whose message holds want.
func wantInvalid(t *testing.T, err error, want string) {
	t.Helper()
	var invalid *metadata.InvalidError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want an InvalidError containing %q", err, want)
	}
}

func TestCreateUser(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	email := metadatatest.Slug("new") + "@example.com"
	id, err := db.CreateUser(ctx, metadata.NewUser{Email: "  " + email + " ", Password: "long enough"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.CheckLogin(ctx, email, "long enough"); err != nil || got != id {
		t.Fatalf("login as the new user: %d, %v", got, err)
	}
	if _, _, err := db.CreateEmailVerification(ctx, id); err != nil {
		t.Errorf("a user created without Verified needs no confirmation: %v", err)
	}
	if _, err := db.CreateUser(ctx, metadata.NewUser{Email: strings.ToUpper(email), Password: "long enough"}); !errors.Is(err, metadata.ErrEmailTaken) {
		t.Errorf("the same email in capitals: %v, want ErrEmailTaken", err)
	}
	verified, err := db.CreateUser(ctx, metadata.NewUser{Email: metadatatest.Slug("vouched") + "@example.com", Password: "long enough", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateEmailVerification(ctx, verified); !errors.Is(err, metadata.ErrAlreadyVerified) {
		t.Errorf("a Verified user: %v, want ErrAlreadyVerified", err)
	}

	for _, tc := range []struct {
		name string
		user metadata.NewUser
		want string
	}{
		{"no @", metadata.NewUser{Email: "nobody", Password: "long enough"}, `email "nobody" is not an email address`},
		{"two lines", metadata.NewUser{Email: "a@example.com\nBcc: b@example.com", Password: "long enough"}, "not an email address"},
		{"empty", metadata.NewUser{Password: "long enough"}, `email "" is not`},
		{"short password", metadata.NewUser{Email: "a@example.com", Password: "short"}, "password must be at least 8 characters"},
		{"no password", metadata.NewUser{Email: "a@example.com"}, "password must be at least 8 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.CreateUser(ctx, tc.user)
			wantInvalid(t, err, tc.want)
		})
	}
}

func TestCreateOrganization(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	owner, err := db.CreateUser(ctx, metadata.NewUser{Email: metadatatest.Slug("owner") + "@example.com", Password: "long enough"})
	if err != nil {
		t.Fatal(err)
	}
	name := metadatatest.Slug("Acme Inc")
	o, err := db.CreateOrganization(ctx, metadata.NewOrganization{Name: " " + name + " ", OwnerID: owner})
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != name || o.Slug != metadata.Slugify(name) || o.Role != "owner" || o.ID == 0 {
		t.Errorf("created %+v, want the name trimmed, a slug made of it and the owner's role", o)
	}
	if role, err := db.MemberRole(ctx, o.ID, owner); err != nil || role != "owner" {
		t.Errorf("the creator's role: %q, %v", role, err)
	}
	_, err = db.CreateOrganization(ctx, metadata.NewOrganization{Name: "Another", Slug: o.Slug, OwnerID: owner})
	wantInvalid(t, err, `the slug "`+o.Slug+`" is taken`)

	for _, tc := range []struct {
		name string
		org  metadata.NewOrganization
		want string
	}{
		{"no name", metadata.NewOrganization{Name: "  ", Slug: "fine"}, "an organization needs a name"},
		{"uppercase slug", metadata.NewOrganization{Name: "Acme", Slug: "Acme"}, "lowercase letters, digits"},
		{"slug with a space", metadata.NewOrganization{Name: "Acme", Slug: "ac me"}, "lowercase letters, digits"},
		{"slug starting with a dash", metadata.NewOrganization{Name: "Acme", Slug: "-acme"}, "must start with a letter or digit"},
		{"long slug", metadata.NewOrganization{Name: "Acme", Slug: strings.Repeat("a", 51)}, "1 to 50 characters"},
		{"a name with no slug in it", metadata.NewOrganization{Name: "!!!"}, `slug "" must be 1 to 50`},
		{"negative retention", metadata.NewOrganization{Name: "Acme", RetentionDays: -1}, "retention must be 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.org.OwnerID = owner
			_, err := db.CreateOrganization(ctx, tc.org)
			wantInvalid(t, err, tc.want)
		})
	}
}

func TestCreateProject(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	boot := metadatatest.Project(t, db, "create-project")
	p, err := db.CreateProject(ctx, metadata.NewProject{OrgID: boot.OrganizationID, Name: " Web Shop ", Platform: "javascript"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Web Shop" || p.Slug != "web-shop" || p.Platform != "javascript" || p.OrgID != boot.OrganizationID {
		t.Errorf("created %+v", p)
	}
	if keys, err := db.ListKeys(ctx, p.ID); err != nil || len(keys) != 1 {
		t.Errorf("a new project's DSN keys: %d, %v; want its first key", len(keys), err)
	}
	_, err = db.CreateProject(ctx, metadata.NewProject{OrgID: boot.OrganizationID, Name: "Other", Slug: "web-shop"})
	wantInvalid(t, err, `the slug "web-shop" is taken in this organization`)

	other := metadatatest.Project(t, db, "create-project")
	if _, err := db.CreateProject(ctx, metadata.NewProject{OrgID: other.OrganizationID, Name: "Web Shop"}); err != nil {
		t.Errorf("the same slug in another organization: %v", err)
	}

	for _, tc := range []struct {
		name    string
		project metadata.NewProject
		want    string
	}{
		{"no name", metadata.NewProject{Slug: "fine"}, "a project needs a name"},
		{"uppercase slug", metadata.NewProject{Name: "API", Slug: "API"}, "lowercase letters, digits"},
		{"long slug", metadata.NewProject{Name: "API", Slug: strings.Repeat("a", 51)}, "1 to 50 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.project.OrgID = boot.OrganizationID
			_, err := db.CreateProject(ctx, tc.project)
			wantInvalid(t, err, tc.want)
		})
	}
}

// Provisioning judges users, organizations and projects by the rules the
// API and bootstrap use, and says which entry of the plan is wrong.
func TestProvisionUsesTheCreationRules(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		plan metadata.ProvisionPlan
		want string
	}{
		{"a short password", metadata.ProvisionPlan{Users: []metadata.ProvisionUser{{Email: "ci@example.com", Password: "short"}}},
			"user ci@example.com: password must be at least 8 characters"},
		{"a bad email", metadata.ProvisionPlan{Users: []metadata.ProvisionUser{{Email: "ci at example.com"}}},
			`email "ci at example.com" is not an email address`},
		{"a bad organization slug", metadata.ProvisionPlan{Organizations: []metadata.ProvisionOrg{{Slug: "Acme"}}},
			`organization: slug "Acme" may hold only lowercase letters`},
		{"a negative retention", metadata.ProvisionPlan{Organizations: []metadata.ProvisionOrg{{Slug: metadatatest.Slug("ret"), RetentionDays: -5}}},
			"retention must be 0"},
		{"a bad project slug", metadata.ProvisionPlan{Organizations: []metadata.ProvisionOrg{{Slug: metadatatest.Slug("org"),
			Projects: []metadata.ProvisionProject{{Slug: "my api"}}}}}, `project: slug "my api" may hold only`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.Provision(ctx, tc.plan)
			wantInvalid(t, err, tc.want)
		})
	}
}
