package frontend

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/faultline/faultline/analytics"
)

var updateCatalog = flag.Bool("update", false, "rewrite the dashboard's Discover catalog from the store's")

// catalogTS is the dashboard's copy of what Discover reads, which its
// query builder offers.
var catalogTS = filepath.Join("app", "src", "pages", "discovercatalog.ts")

// renderCatalog writes the store's catalog as the TypeScript module the
// dashboard imports.
func renderCatalog(t *testing.T) []byte {
	b, err := json.MarshalIndent(analytics.Catalog(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return []byte("// Generated from analytics.Catalog by `go test ./frontend/ -run TestDashboardDiscoverCatalog -update`;\n" +
		"// TestDashboardDiscoverCatalog fails when it differs from the server's.\n" +
		"import type { Catalog } from \"./discovertypes\";\n\n" +
		"export const catalog: Catalog = " + string(b) + ";\n")
}

// TestDashboardDiscoverCatalog: the functions, arguments and columns the
// Discover page offers are exactly those the store compiles.
func TestDashboardDiscoverCatalog(t *testing.T) {
	want := renderCatalog(t)
	if *updateCatalog {
		if err := os.WriteFile(catalogTS, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(catalogTS)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from analytics.Catalog; rerun with -update and rebuild the dashboard:\n%s", catalogTS, want)
	}
}
