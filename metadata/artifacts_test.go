package metadata_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

func TestAssembleStates(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	p := metadatatest.Project(t, db, "secret")
	const sum = "0123456789abcdef0123456789abcdef01234567"

	if _, err := db.GetAssembleStatus(ctx, p.OrganizationID, sum); !errors.Is(err, metadata.ErrNotFound) {
		t.Fatalf("status before any assembly: %v", err)
	}
	claim := func(want bool, stale, errTTL time.Duration) {
		t.Helper()
		got, err := db.ClaimAssemble(ctx, p.OrganizationID, sum, stale, errTTL)
		if err != nil || got != want {
			t.Fatalf("claim = %v, %v; want %v", got, err, want)
		}
	}
	claim(true, time.Hour, time.Hour)
	claim(false, time.Hour, time.Hour) // held by the first
	claim(true, 0, time.Hour)          // a stale hold is taken over
	if err := db.FailAssemble(ctx, p.OrganizationID, sum, "not a zip"); err != nil {
		t.Fatal(err)
	}
	if s, err := db.GetAssembleStatus(ctx, p.OrganizationID, sum); err != nil || s.State != metadata.AssembleError || s.Detail != "not a zip" {
		t.Fatalf("after failure: %+v %v", s, err)
	}
	claim(false, time.Hour, time.Hour) // a recent failure stands
	claim(true, time.Hour, 0)          // an old one is retried
	if err := db.ForgetAssemble(ctx, p.OrganizationID, sum); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetAssembleStatus(ctx, p.OrganizationID, sum); !errors.Is(err, metadata.ErrNotFound) {
		t.Fatalf("after forgetting: %v", err)
	}

	claim(true, time.Hour, time.Hour)
	id, err := db.SaveArtifactBundle(ctx, metadata.NewArtifactBundle{OrgID: p.OrganizationID, Checksum: sum, BlobKey: "k",
		ProjectIDs: []int64{p.ProjectID}, Size: 10, Files: []metadata.BundleFile{{Path: "files/a.js", Kind: "minified_source", URL: "~/a.js", Size: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := db.GetAssembleStatus(ctx, p.OrganizationID, sum); err != nil || s.State != metadata.AssembleOK {
		t.Fatalf("after saving: %+v %v", s, err)
	}
	claim(false, 0, 0) // done is done
	again, err := db.SaveArtifactBundle(ctx, metadata.NewArtifactBundle{OrgID: p.OrganizationID, Checksum: sum, BlobKey: "k",
		ProjectIDs: []int64{p.ProjectID}, Files: []metadata.BundleFile{{Path: "files/a.js", Kind: "minified_source", Size: 3}}})
	if err != nil || again != id {
		t.Fatalf("saving the same bundle again: %d %v, want %d", again, err, id)
	}
}

func TestBundleLookups(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	p := metadatatest.Project(t, db, "secret")
	other := metadatatest.Project(t, db, "secret") // another organization
	const mapID = "b8a1b7e4-7c2e-4d3b-9b9e-0e0f1a2b3c4d"
	save := func(sum string, orgID, projectID int64, release string, files ...metadata.BundleFile) {
		t.Helper()
		if _, err := db.SaveArtifactBundle(ctx, metadata.NewArtifactBundle{OrgID: orgID, Checksum: sum, BlobKey: "bundle/" + sum,
			Release: release, ProjectIDs: []int64{projectID}, Files: files}); err != nil {
			t.Fatal(err)
		}
	}
	save("1111111111111111111111111111111111111111", p.OrganizationID, p.ProjectID, "1.0",
		metadata.BundleFile{Path: "files/app.js.map", Kind: "source_map", URL: "~/static/app.js.map", DebugID: mapID,
			Headers: map[string]string{"debug-id": mapID}, Size: 7},
		metadata.BundleFile{Path: "files/app.js", Kind: "minified_source", URL: "https://cdn.example.com/static/app.js", Size: 5})
	save("2222222222222222222222222222222222222222", other.OrganizationID, other.ProjectID, "1.0",
		metadata.BundleFile{Path: "files/x.map", Kind: "source_map", URL: "~/static/app.js.map", DebugID: mapID, Size: 1})

	f, err := db.BundleFileByDebugID(ctx, p.ProjectID, mapID, "source_map")
	if err != nil || f.Path != "files/app.js.map" || f.BlobKey != "bundle/1111111111111111111111111111111111111111" || f.Headers["debug-id"] != mapID {
		t.Fatalf("by debug id: %+v %v", f, err)
	}
	if _, err := db.BundleFileByDebugID(ctx, p.ProjectID, mapID, "minified_source"); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("wrong kind: %v", err)
	}
	if f, err := db.FileByURL(ctx, p.ProjectID, "1.0", "", []string{"https://example.com/static/app.js.map", "~/static/app.js.map"}); err != nil || f.Path != "files/app.js.map" {
		t.Errorf("by ~ URL: %+v %v", f, err)
	}
	if _, err := db.FileByURL(ctx, p.ProjectID, "2.0", "", []string{"~/static/app.js.map"}); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("another release: %v", err)
	}

	// A release file beats nothing, and loses to a bundle file at the same rank.
	metadatatest.Release(t, p.OrganizationID, "1.0", p.ProjectID)
	if _, err := db.AddReleaseFile(ctx, p.OrganizationID, metadata.ReleaseFile{Release: "1.0", Name: "~/static/vendor.js", BlobKey: "rf/1", Size: 4, SHA1: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddReleaseFile(ctx, p.OrganizationID, metadata.ReleaseFile{Release: "1.0", Name: "~/static/vendor.js", BlobKey: "rf/2"}); !errors.Is(err, metadata.ErrDuplicate) {
		t.Errorf("duplicate release file: %v", err)
	}
	if f, err := db.FileByURL(ctx, p.ProjectID, "1.0", "", []string{"https://example.com/static/vendor.js", "~/static/vendor.js"}); err != nil || f.BlobKey != "rf/1" || f.Path != "" {
		t.Errorf("release file by URL: %+v %v", f, err)
	}
	counts, err := db.ReleaseFileCounts(ctx, p.OrganizationID, []string{"1.0", "2.0"})
	if err != nil || counts["1.0"] != 3 || len(counts) != 1 {
		t.Errorf("file counts %v %v, want 1.0: 3 (two in a bundle, one release file)", counts, err)
	}
	bundles, err := db.ListArtifactBundles(ctx, p.OrganizationID, p.ProjectID, 10)
	if err != nil || len(bundles) != 1 || bundles[0].FileCount != 2 || len(bundles[0].DebugIDs) != 1 || bundles[0].Release != "1.0" {
		t.Errorf("bundles %+v %v", bundles, err)
	}
	if ok, err := db.ReleaseExists(ctx, p.OrganizationID, "1.0"); !ok || err != nil {
		t.Errorf("release exists: %v %v", ok, err)
	}
	if ids, err := db.ReleaseProjectIDs(ctx, p.OrganizationID, "1.0"); err != nil || len(ids) != 1 || ids[0] != p.ProjectID {
		t.Errorf("release projects %v %v", ids, err)
	}
}
