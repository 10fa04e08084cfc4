package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// setCommitsCLI is the unmodified sentry-cli of @sentry/cli's Linux
// package, which `make test` installs under testdata/sentrycli.
func setCommitsCLI(t *testing.T) string {
	t.Helper()
	bin, _ := filepath.Abs(filepath.Join("testdata", "sentrycli", "node_modules", "@sentry", "cli-linux-x64", "bin", "sentry-cli"))
	if _, err := os.Stat(bin); err != nil {
		needTool(t, "sentry-cli is missing at "+bin+": run `make test`, which installs it")
	}
	return bin
}

// sentry-cli's `releases set-commits --commit REPO@SHA` lists the
// organization's repositories, refuses a REPO it does not have, and sends
// the head commit (and the previous one of a range) as a ref; the release
// then has the commit, in the repository as the organization spells it;
// --clear empties the list.
func TestSentryCLISetCommits(t *testing.T) {
	bin := setCommitsCLI(t)
	srv := testServer(t)
	owner := metadatatest.Project(t, srv.db, testSecret)
	ownerAPI := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	if code := ownerAPI.call("POST", "/api/0/organizations/"+owner.Organization+"/repos/",
		`{"name":"acme/web","url":"https://git.example.com/acme/web"}`, nil); code != http.StatusCreated {
		t.Fatalf("repository: %d", code)
	}
	tok, err := srv.db.CreateToken(t.Context(), owner.UserID, "sentry-cli", []string{"project:releases", "org:read"})
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "HOME="+t.TempDir(), "SENTRY_URL=http://"+srv.addr+"/", "SENTRY_AUTH_TOKEN="+tok.Token,
		"SENTRY_ORG="+owner.Organization, "SENTRY_PROJECT="+owner.Project, "SENTRY_LOG_LEVEL=debug",
		"SENTRYCLI_SKIP_DOWNLOAD=1", "SENTRY_DISABLE_UPDATE_CHECK=true")
	cli := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env, cmd.Dir = env, t.TempDir() // no git checkout: refs only
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	type commit struct {
		ID         string
		Repository *struct{ Name string }
	}
	commitsOf := func(version string) []commit {
		var out []commit
		if code := ownerAPI.get("/api/0/organizations/"+owner.Organization+"/releases/"+version+"/commits/", &out); code != http.StatusOK {
			t.Fatalf("commits of %s: %d", version, code)
		}
		return out
	}

	const head, prev = "62aaca3ed186edc7671b4cca0ab6ec53cb7de8b5", "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
	for _, tc := range []struct {
		version, spec string
	}{
		{"web@1.0.0", "acme/web@" + head},
		{"web@1.0.1", "ACME/Web@" + prev + ".." + head}, // sentry-cli and Faultline match names ignoring case
	} {
		if out, err := cli("releases", "new", tc.version); err != nil {
			t.Fatalf("releases new %s: %v\n%s", tc.version, err, out)
		}
		out, err := cli("releases", "set-commits", tc.version, "--commit", tc.spec)
		if err != nil {
			t.Fatalf("releases set-commits %s --commit %s: %v\n%s", tc.version, tc.spec, err, out)
		}
		t.Logf("set-commits %s --commit %s:\n%s", tc.version, tc.spec, requestLines(out))
		if got := commitsOf(tc.version); len(got) != 1 || got[0].ID != head || got[0].Repository == nil || got[0].Repository.Name != "acme/web" {
			t.Errorf("commits of %s after --commit %s: %+v, want %s in acme/web", tc.version, tc.spec, got, head)
		}
	}

	// A repository the organization lacks: sentry-cli refuses it from the
	// list, and the release keeps its commits.
	out, err := cli("releases", "set-commits", "web@1.0.0", "--commit", "acme/nope@"+head)
	if err == nil || !strings.Contains(out, "Unknown repo 'acme/nope'") {
		t.Errorf("an unknown repository: %v\n%s", err, out)
	}
	if got := commitsOf("web@1.0.0"); len(got) != 1 {
		t.Errorf("commits after a refused set-commits: %+v", got)
	}

	// --clear sends no refs: the release has no commits.
	if out, err := cli("releases", "set-commits", "web@1.0.0", "--clear"); err != nil {
		t.Fatalf("set-commits --clear: %v\n%s", err, out)
	}
	if got := commitsOf("web@1.0.0"); len(got) != 0 {
		t.Errorf("commits after --clear: %+v", got)
	}
}

// requestLines keeps the requests and answer status lines of sentry-cli's
// debug log.
func requestLines(log string) string {
	var b strings.Builder
	for _, line := range strings.Split(log, "\n") {
		for _, mark := range []string{"> GET ", "> POST ", "> PUT ", "> DELETE ", "< HTTP/", "json body: "} {
			if i := strings.Index(line, mark); i >= 0 {
				b.WriteString("  " + line[i:] + "\n")
				break
			}
		}
	}
	return b.String()
}
