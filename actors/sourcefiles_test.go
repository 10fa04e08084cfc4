package actors

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/ingest/artifact"
	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

const fixtureDebugID = "7e2b0f4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"

// memBlobs is a blob store whose blobs are not files, so bundles are read
// into memory rather than in place.
type memBlobs map[string][]byte

func (m memBlobs) Put(_ context.Context, key string, data []byte) error {
	m[key] = data
	return nil
}

func (m memBlobs) Open(_ context.Context, key string) (io.ReadCloser, error) {
	data, ok := m[key]
	if !ok {
		return nil, blob.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func (m memBlobs) Delete(_ context.Context, key string) error {
	delete(m, key)
	return nil
}

// storeFixture indexes testdata/sourcemap-bundle.zip for the project, as
// an upload for release 3.1.4 would, with its bytes in blobs.
func storeFixture(t *testing.T, db *metadata.DB, blobs blob.Store, p metadata.BootstrapResult) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/sourcemap-bundle.zip")
	if err != nil {
		t.Fatal(err)
	}
	b, err := artifact.Read(bytes.NewReader(data), int64(len(data)), artifact.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	key := "artifacts/fixture.zip"
	if err := blobs.Put(context.Background(), key, data); err != nil {
		t.Fatal(err)
	}
	nb := metadata.NewArtifactBundle{OrgID: p.OrganizationID, Checksum: strings.Repeat("a", 40), BundleID: b.DebugID, BlobKey: key,
		Release: b.Release, ProjectIDs: []int64{p.ProjectID}, Size: int64(len(data))}
	for _, f := range b.Files {
		nb.Files = append(nb.Files, metadata.BundleFile{Path: f.Path, Kind: f.Kind, URL: f.URL, DebugID: f.DebugID, Headers: f.Headers, Size: f.Size})
	}
	if _, err := db.SaveArtifactBundle(context.Background(), nb); err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSourceFiles(t *testing.T) {
	db := metadatatest.Open(t)
	dir, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, blobs := range map[string]blob.Store{"directory": dir, "memory": memBlobs{}} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := metadatatest.Project(t, db, "secret")
			other := metadatatest.Project(t, db, "secret")
			storeFixture(t, db, blobs, p)
			files := NewSourceFiles(db, blobs)

			sm, headers, err := files.ByDebugID(ctx, p.ProjectID, strings.ToUpper(fixtureDebugID), artifact.KindSourceMap)
			if err != nil || !bytes.HasPrefix(sm, []byte(`{"version":3`)) || headers["debug-id"] != fixtureDebugID {
				t.Fatalf("source map by debug id: %.40q %v %v", sm, headers, err)
			}
			js, headers, err := files.ByDebugID(ctx, p.ProjectID, fixtureDebugID, artifact.KindMinifiedSource)
			if err != nil || !bytes.HasPrefix(js, []byte("function add")) || headers["sourcemap"] != "app.min.js.map" {
				t.Fatalf("script by debug id: %.40q %v %v", js, headers, err)
			}
			got, _, err := files.ByURL(ctx, p.ProjectID, "3.1.4", "", "https://cdn.example.com/static/js/app.min.js?v=2")
			if err != nil || !reflect.DeepEqual(got, js) {
				t.Fatalf("script by URL: %.40q %v", got, err)
			}

			notFound := map[string]func() error{
				"unknown debug id": func() error {
					_, _, err := files.ByDebugID(ctx, p.ProjectID, "00000000-0000-0000-0000-000000000000", artifact.KindSourceMap)
					return err
				},
				"malformed debug id": func() error {
					_, _, err := files.ByDebugID(ctx, p.ProjectID, "nope", artifact.KindSourceMap)
					return err
				},
				"another organization's project": func() error {
					_, _, err := files.ByDebugID(ctx, other.ProjectID, fixtureDebugID, artifact.KindSourceMap)
					return err
				},
				"another release": func() error {
					_, _, err := files.ByURL(ctx, p.ProjectID, "3.1.5", "", "https://cdn.example.com/static/js/app.min.js")
					return err
				},
				"another dist": func() error {
					_, _, err := files.ByURL(ctx, p.ProjectID, "3.1.4", "ios", "https://cdn.example.com/static/js/app.min.js")
					return err
				},
			}
			for what, lookup := range notFound {
				if err := lookup(); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s: %v, want fs.ErrNotExist", what, err)
				}
			}

			// A file uploaded on its own to the release is found by URL too.
			metadatatest.Release(t, p.OrganizationID, "3.1.4", p.ProjectID)
			if err := blobs.Put(ctx, "artifacts/vendor", []byte("vendor();")); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AddReleaseFile(ctx, p.OrganizationID, metadata.ReleaseFile{Release: "3.1.4", Name: "~/static/js/vendor.js",
				BlobKey: "artifacts/vendor", Size: 9, SHA1: "x", Headers: map[string]string{"sourcemap": "vendor.js.map"}}); err != nil {
				t.Fatal(err)
			}
			vendor, headers, err := files.ByURL(ctx, p.ProjectID, "3.1.4", "", "http://localhost:3000/static/js/vendor.js")
			if err != nil || string(vendor) != "vendor();" || headers["sourcemap"] != "vendor.js.map" {
				t.Errorf("release file by URL: %q %v %v", vendor, headers, err)
			}
			blobs.Delete(ctx, "artifacts/vendor")
			if _, _, err := files.ByURL(ctx, p.ProjectID, "3.1.4", "", "http://localhost:3000/static/js/vendor.js"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("release file whose blob is gone: %v", err)
			}
		})
	}
}

func TestURLCandidates(t *testing.T) {
	for in, want := range map[string][]string{
		"https://example.com/static/app.js":     {"https://example.com/static/app.js", "~/static/app.js"},
		"https://example.com/static/app.js?v=1": {"https://example.com/static/app.js?v=1", "https://example.com/static/app.js", "~/static/app.js?v=1", "~/static/app.js"},
		"app:///main.jsbundle":                  {"app:///main.jsbundle", "~/main.jsbundle"},
		"~/static/app.js":                       {"~/static/app.js"},
		"/srv/app/dist/index.js":                {"/srv/app/dist/index.js", "~/srv/app/dist/index.js"},
	} {
		if got := urlCandidates(in); !reflect.DeepEqual(got, want) {
			t.Errorf("urlCandidates(%q) = %q, want %q", in, got, want)
		}
	}
}
