package metadata_test

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

func TestBootstrapIsIdempotent(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	req := metadata.BootstrapRequest{
		Email: metadatatest.Slug("boot") + "@example.com", Password: "correct horse",
		Org: metadatatest.Slug("org"), Project: metadatatest.Slug("proj"), SecretKey: "bootstrap-test",
	}
	first, err := db.Bootstrap(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	second, err := db.Bootstrap(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Fatalf("second bootstrap changed the result:\n%+v\n%+v", first, second)
	}
	p, err := db.Authenticate(ctx, first.Token)
	if err != nil || p.UserID != first.UserID || !p.HasScope("event:read") {
		t.Fatalf("bootstrap token does not authenticate its user: %+v, %v", p, err)
	}
	key, err := db.LookupKey(ctx, first.PublicKey)
	if err != nil || key.ProjectID != first.ProjectID || !key.Active {
		t.Fatalf("bootstrap DSN key: %+v, %v", key, err)
	}

	// A second project in the same organization reuses the user and org.
	req.Project = metadatatest.Slug("proj")
	third, err := db.Bootstrap(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if third.OrganizationID != first.OrganizationID || third.UserID != first.UserID || third.ProjectID == first.ProjectID {
		t.Fatalf("second project: %+v", third)
	}
}

func TestBootstrapRejectsBadInput(t *testing.T) {
	db := metadatatest.Open(t)
	good := metadata.BootstrapRequest{Email: "a@example.com", Password: "long enough", Org: "org", Project: "proj", SecretKey: "s"}
	cases := []struct {
		name   string
		change func(*metadata.BootstrapRequest)
		want   string
	}{
		{"uppercase slug", func(r *metadata.BootstrapRequest) { r.Org = "Acme" }, "lowercase"},
		{"slug with space", func(r *metadata.BootstrapRequest) { r.Project = "my project" }, "lowercase"},
		{"empty slug", func(r *metadata.BootstrapRequest) { r.Project = "" }, "a project needs a name"},
		{"long slug", func(r *metadata.BootstrapRequest) { r.Project = strings.Repeat("p", 51) }, "1 to 50"},
		{"bad email", func(r *metadata.BootstrapRequest) { r.Email = "nobody" }, "not an email"},
		{"short password", func(r *metadata.BootstrapRequest) { r.Password = "short" }, "at least 8"},
		{"no secret", func(r *metadata.BootstrapRequest) { r.SecretKey = "" }, "secret key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := good
			tc.change(&req)
			_, err := db.Bootstrap(context.Background(), req)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestPasswordHash(t *testing.T) {
	h := metadata.HashPassword("s3cret-password")
	if !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("hash %q is not argon2id", h)
	}
	if !metadata.CheckPassword(h, "s3cret-password") {
		t.Error("the right password does not match")
	}
	if metadata.CheckPassword(h, "s3cret-passwore") || metadata.CheckPassword("garbage", "x") {
		t.Error("a wrong password or a broken hash matches")
	}
	if metadata.HashPassword("same") == metadata.HashPassword("same") {
		t.Error("hashes are not salted")
	}
}
