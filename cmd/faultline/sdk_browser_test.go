package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// browserHarness returns the directory holding @sentry/browser, esbuild and
// playwright-core (npm ci by `make test`), and the Chromium to drive.
func browserHarness(t *testing.T) (dir, chromium string) {
	t.Helper()
	dir, _ = filepath.Abs(filepath.Join("testdata", "browser"))
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	_, errNode := exec.LookPath("node")
	_, errMods := os.Stat(filepath.Join(dir, "node_modules", "playwright-core"))
	_, errChrome := os.Stat(chromium)
	if errNode != nil || errMods != nil || errChrome != nil {
		needTool(t, "node, the npm packages in "+dir+" or "+chromium+" is missing: run `make test`, which installs them")
	}
	return dir, chromium
}

// runBrowserScript runs one of the harness's node scripts against chromium,
// stopping it after timeout, and returns what it printed.
func runBrowserScript(dir, chromium string, timeout time.Duration, script string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(dir, script)}, args...)...)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	return cmd.CombinedOutput()
}

// TestSentryBrowserErrorsBecomeIssues loads a page using the unmodified
// @sentry/browser SDK in headless Chromium. The page is served from another
// origin than Faultline, so the SDK's requests go through CORS.
func TestSentryBrowserErrorsBecomeIssues(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	dsn := fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)

	out, err := runBrowserScript(dir, chromium, 90*time.Second, "run.mjs", dsn)
	if err != nil {
		t.Fatalf("node run.mjs: %v\n%s", err, out)
	}

	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	issues := waitForCount(t, api, proj.Organization, proj.Project, 3)
	var typeErr, msg issueResp
	for _, is := range issues {
		switch {
		case strings.HasPrefix(is.Title, "TypeError: "):
			typeErr = is
		case is.Title == "browser checkout opened":
			msg = is
		}
	}
	if len(issues) != 2 || typeErr.Count != "2" || typeErr.UserCount != 1 || msg.Level != "info" {
		t.Fatalf("issues from @sentry/browser: %+v", issues)
	}
	if !strings.Contains(typeErr.Culprit, "renderCart") {
		t.Errorf("TypeError culprit %q does not name renderCart", typeErr.Culprit)
	}
}
