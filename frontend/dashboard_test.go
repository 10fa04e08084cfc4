package frontend

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// The committed dashboard build (static/app, embedded in the binary) must be
// what the sources in app/ build to: rebuild with `make dashboard`.
func TestDashboardBuildIsCurrent(t *testing.T) {
	vite, _ := filepath.Abs(filepath.Join("app", "node_modules", ".bin", "vite"))
	if _, err := os.Stat(vite); err != nil {
		msg := "the dashboard's npm packages are not installed: run `make test`, which runs npm ci in frontend/app"
		if os.Getenv("FAULTLINE_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	out := t.TempDir()
	cmd := exec.Command(vite, "build", "--outDir", out, "--emptyOutDir", "--logLevel", "error")
	cmd.Dir = "app"
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vite build: %v\n%s", err, b)
	}
	fresh := readTree(t, os.DirFS(out))
	committed := readTree(t, os.DirFS(filepath.Join("static", "app")))
	for name, b := range fresh {
		if c, ok := committed[name]; !ok || !bytes.Equal(b, c) {
			t.Errorf("static/app/%s is missing or stale: run `make dashboard` and commit the result", name)
		}
	}
	for name := range committed {
		if _, ok := fresh[name]; !ok {
			t.Errorf("static/app/%s is no longer built: run `make dashboard` and commit the result", name)
		}
	}
}

func readTree(t *testing.T, fsys fs.FS) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		out[path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Invitation, reset and confirmation links name /accept-invite/…,
// /reset-password/… and /verify-email/…: those paths lead to the app's pages.
func TestEmailLinksReachTheDashboard(t *testing.T) {
	app := fiber.New()
	registerDashboard(app)
	for _, path := range []string{"/accept-invite/tok_123", "/reset-password/tok_456", "/verify-email/tok_789?next=x"} {
		resp, err := app.Test(httptest.NewRequest(http.MethodGet, path, nil))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/app"+path {
			t.Errorf("GET %s: %d to %q, want 302 to /app%s", path, resp.StatusCode, resp.Header.Get("Location"), path)
			continue
		}
		page, err := app.Test(httptest.NewRequest(http.MethodGet, resp.Header.Get("Location"), nil))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(page.Body)
		if page.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`id="app"`)) {
			t.Errorf("GET /app%s: %d, not the dashboard page", path, page.StatusCode)
		}
	}
}
