package main

import (
	"path/filepath"
	"testing"
	"time"
)

// TestReleasesInBrowser drives the release screens in headless Chromium
// (see testdata/browser/releases.mjs): the releases list with its health
// figures, search and pages; a release with deploys, commits, new issues and
// no artifacts; an issue whose frames source maps mapped, with the minified
// ones on request; and resolving in the next release or in a chosen one,
// whose PUT bodies it checks. The API is answered from fixtures in the page,
// in the shapes the release, symbolication and resolve endpoints answer.
func TestReleasesInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "releases"))
	if out, err := runBrowserScript(dir, chromium, 180*time.Second, "releases.mjs", "http://"+srv.addr, shots); err != nil {
		t.Fatalf("releases.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
}
