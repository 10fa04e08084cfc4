package frontend

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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
