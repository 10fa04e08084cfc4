package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// sentryCLIHarness returns the directory holding the unmodified sentry-cli,
// esbuild and the JavaScript SDKs (npm ci by `make test`), the sentry-cli
// binary (from @sentry/cli's Linux package, so no install step downloads it)
// and the Chromium to drive.
func sentryCLIHarness(t *testing.T) (dir, bin, chromium string) {
	t.Helper()
	dir, _ = filepath.Abs(filepath.Join("testdata", "sentrycli"))
	bin = filepath.Join(dir, "node_modules", "@sentry", "cli-linux-x64", "bin", "sentry-cli")
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	_, errNode := exec.LookPath("node")
	_, errGit := exec.LookPath("git")
	_, errCLI := os.Stat(bin)
	_, errChrome := os.Stat(chromium)
	if errNode != nil || errGit != nil || errCLI != nil || errChrome != nil {
		needTool(t, "node, git, the npm packages in "+dir+" or "+chromium+" is missing: run `make test`, which installs them")
	}
	return dir, bin, chromium
}

// sentryCLI runs the real sentry-cli against a test server as one project.
type sentryCLI struct {
	bin string
	env []string
}

// newSentryCLI mints a token with the scopes sentry-cli's release and
// upload commands need, and points the CLI at srv for proj.
func newSentryCLI(t *testing.T, bin string, srv *server, proj metadata.BootstrapResult) sentryCLI {
	t.Helper()
	tok, err := srv.db.CreateToken(context.Background(), proj.UserID, "sentry-cli",
		[]string{"project:releases", "project:write", "org:read"})
	if err != nil {
		t.Fatalf("token for sentry-cli: %v", err)
	}
	home := t.TempDir() // no ~/.sentryclirc of the machine's
	return sentryCLI{bin: bin, env: append(os.Environ(),
		"HOME="+home, "SENTRY_URL=http://"+srv.addr+"/", "SENTRY_AUTH_TOKEN="+tok.Token,
		"SENTRY_ORG="+proj.Organization, "SENTRY_PROJECT="+proj.Project,
		"SENTRYCLI_SKIP_DOWNLOAD=1", "SENTRY_DISABLE_UPDATE_CHECK=true")}
}

// run runs sentry-cli in dir ("" for the test's) and returns what it
// printed on stdout, and its debug log: every request and answer.
func (c sentryCLI) run(dir string, args ...string) (stdout, log string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env, cmd.Dir = append(c.env, "SENTRY_LOG_LEVEL=debug"), dir
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	err = cmd.Run()
	return out.String(), errs.String(), err
}

// must runs sentry-cli and fails t unless it exits 0, showing the requests
// it made and what the server answered.
func (c sentryCLI) must(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, log, err := c.run(dir, args...)
	if err != nil {
		t.Fatalf("sentry-cli %s: %v\n%s%s", strings.Join(args, " "), err, out, exchanges(log))
	}
	return out
}

// exchanges keeps of a sentry-cli debug log the requests, the answers and
// the error, without headers, timestamps or the backtrace.
func exchanges(log string) string {
	var b strings.Builder
	for _, line := range strings.Split(log, "\n") {
		text := line
		if i := strings.Index(line, " +00:00 "); i >= 0 {
			text = line[i+len(" +00:00 "):]
		}
		keep := strings.HasPrefix(text, "> GET ") || strings.HasPrefix(text, "> POST ") ||
			strings.HasPrefix(text, "> PUT ") || strings.HasPrefix(text, "> DELETE ") ||
			strings.HasPrefix(text, "< HTTP/") || strings.HasPrefix(text, "json body: ") ||
			strings.HasPrefix(text, "body: ") || strings.HasPrefix(line, "error") ||
			strings.HasPrefix(line, "Caused by") || strings.HasPrefix(line, "    ")
		if len(text) > 600 {
			text = text[:600] + "…"
		}
		if keep {
			b.WriteString("  " + text + "\n")
		}
	}
	return b.String()
}

// on returns the client failing t instead, for subtests.
func (c apiClient) on(t *testing.T) apiClient {
	c.t = t
	return c
}

// cliRelease is the part of Sentry's release JSON that sentry-cli's
// commands change.
type cliRelease struct {
	Version      string  `json:"version"`
	URL          *string `json:"url"`
	DateReleased *string `json:"dateReleased"`
	CommitCount  int     `json:"commitCount"`
	DeployCount  int     `json:"deployCount"`
	LastDeploy   *struct {
		Environment  string `json:"environment"`
		DateFinished string `json:"dateFinished"`
	} `json:"lastDeploy"`
	Projects []struct {
		Slug string `json:"slug"`
	} `json:"projects"`
}

// gitCheckout makes a git repository with two commits by two authors, for
// `releases set-commits --local` to read.
func gitCheckout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	commits := []struct{ name, email, message string }{
		{"Ann Lee", "ann@example.com", "checkout: price carts"},
		{"Bob Roe", "bob@example.com", "checkout: refuse expired coupons"},
	}
	git := func(env []string, args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git(nil, "init", "-q")
	for _, c := range commits {
		git([]string{"GIT_AUTHOR_NAME=" + c.name, "GIT_AUTHOR_EMAIL=" + c.email,
			"GIT_COMMITTER_NAME=" + c.name, "GIT_COMMITTER_EMAIL=" + c.email},
			"commit", "-q", "--allow-empty", "-m", c.message)
	}
	git(nil, "remote", "add", "origin", "https://git.example.com/acme/checkout.git")
	return dir
}

// TestSentryCLIReleaseLifecycle drives a release through the unmodified
// sentry-cli as a deploy pipeline does (create, set commits, finalize,
// deploy) and reads it back through the API and through the CLI's own
// info, list and deploys list, whose JSON parsing is strict.
func TestSentryCLIReleaseLifecycle(t *testing.T) {
	_, bin, _ := sentryCLIHarness(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	cli := newSentryCLI(t, bin, srv, proj)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	const version = "checkout@2.4.0"
	releasePath := fmt.Sprintf("/api/0/organizations/%s/releases/%s/", proj.Organization, url.PathEscape(version))
	readRelease := func(t *testing.T) cliRelease {
		t.Helper()
		var r cliRelease
		if code, body := api.on(t).getRaw(releasePath); code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", releasePath, code, body)
		}
		api.on(t).get(releasePath, &r)
		return r
	}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"releases new", func(t *testing.T) {
			cli.must(t, "", "releases", "new", version, "--url", "https://shop.example.com/changes/2.4.0")
			r := readRelease(t)
			if r.Version != version || len(r.Projects) != 1 || r.Projects[0].Slug != proj.Project ||
				r.DateReleased != nil || r.URL == nil || *r.URL != "https://shop.example.com/changes/2.4.0" {
				t.Errorf("new release: %+v", r)
			}
		}},
		{"releases set-commits --local", func(t *testing.T) {
			// Faultline has no repository integrations: with none listed,
			// sentry-cli reads the commits from the local checkout and
			// sends them whole (id, message, author).
			cli.must(t, gitCheckout(t), "releases", "set-commits", version, "--local")
			if r := readRelease(t); r.CommitCount != 2 {
				t.Errorf("commitCount %d, want 2", r.CommitCount)
			}
			var commits []struct {
				ID      string `json:"id"`
				Message string `json:"message"`
				Author  *struct {
					Name  string `json:"name"`
					Email string `json:"email"`
				} `json:"author"`
			}
			commitsPath := strings.TrimSuffix(releasePath, "/") + "/commits/"
			if code := api.on(t).get(commitsPath, &commits); code != http.StatusOK || len(commits) != 2 {
				t.Fatalf("GET %s: %d, %+v", commitsPath, code, commits)
			}
			newest := commits[0]
			if len(newest.ID) != 40 || !strings.HasPrefix(newest.Message, "checkout: refuse expired coupons") ||
				newest.Author == nil || newest.Author.Email != "bob@example.com" {
				t.Errorf("newest commit %+v", newest)
			}
		}},
		{"releases finalize", func(t *testing.T) {
			cli.must(t, "", "releases", "finalize", version)
			if r := readRelease(t); r.DateReleased == nil {
				t.Errorf("finalized release has no dateReleased: %+v", r)
			}
		}},
		{"deploys new", func(t *testing.T) {
			cli.must(t, "", "deploys", "new", "--release", version, "-e", "production", "-n", "canary")
			r := readRelease(t)
			if r.DeployCount != 1 || r.LastDeploy == nil || r.LastDeploy.Environment != "production" {
				t.Errorf("deployed release: %+v", r)
			}
		}},
		{"deploys list", func(t *testing.T) {
			if out := cli.must(t, "", "deploys", "list", "--release", version); !strings.Contains(out, "production") {
				t.Errorf("deploys list does not show the deploy:\n%s", out)
			}
		}},
		{"releases info", func(t *testing.T) {
			if out := cli.must(t, "", "releases", "info", version); !strings.Contains(out, version) {
				t.Errorf("releases info:\n%s", out)
			}
		}},
		{"releases list", func(t *testing.T) {
			if out := cli.must(t, "", "releases", "list"); !strings.Contains(out, version) {
				t.Errorf("releases list does not show %s:\n%s", version, out)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return // later steps build on this one
		}
	}
}
