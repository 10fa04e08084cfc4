package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// buildCheckoutApp builds testdata/sentrycli/app with esbuild into a new
// directory: browser/checkout.js and node/checkout.mjs, minified, each with
// its source map.
func buildCheckoutApp(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if b, err := exec.CommandContext(ctx, "node", filepath.Join(dir, "build.mjs"), out).CombinedOutput(); err != nil {
		t.Fatalf("node build.mjs: %v\n%s", err, b)
	}
	return out
}

// wantFrame is an in-app frame as the TypeScript source has it.
type wantFrame struct {
	file, function, line string // line: the source line, trimmed
}

// checkoutFrames are the in-app frames of the app's error, oldest first.
var checkoutFrames = []wantFrame{
	{"main.ts", "processQueuedCheckout", "runCheckout(cart);"},
	{"checkout.ts", "runCheckout", "const total = priceCart(cart);"},
	{"checkout.ts", "priceCart", "return cart.coupon ? applyCoupon(subtotal, cart.coupon) : subtotal;"},
	{"checkout.ts", "applyCoupon", "throw new CouponExpiredError(coupon, expiredOn);"},
}

// sourceLine finds the 1-based number of the line of app/file that reads
// want (trimmed) and the line before it.
func sourceLine(t *testing.T, dir, file, want string) (int, string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, "app", file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == want {
			prev := ""
			if i > 0 {
				prev = lines[i-1]
			}
			return i + 1, prev
		}
	}
	t.Fatalf("app/%s has no line %q", file, want)
	return 0, ""
}

type storedFrame struct {
	Filename string  `json:"filename"`
	AbsPath  string  `json:"absPath"`
	Function string  `json:"function"`
	LineNo   int     `json:"lineNo"`
	ColNo    int     `json:"colNo"`
	InApp    bool    `json:"inApp"`
	Context  [][]any `json:"context"`
}

type storedEvent struct {
	EventID  string `json:"eventID"`
	GroupID  string `json:"groupID"`
	Platform string `json:"platform"`
	Tags     []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"tags"`
	Entries []struct {
		Type string `json:"type"`
		Data struct {
			Values []struct {
				Type       string `json:"type"`
				Value      string `json:"value"`
				Stacktrace *struct {
					Frames []storedFrame `json:"frames"`
				} `json:"stacktrace"`
			} `json:"values"`
		} `json:"data"`
	} `json:"entries"`
}

func (e storedEvent) tag(key string) string {
	for _, t := range e.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// inAppFrames returns the in-app frames of the event's exception.
func (e storedEvent) inAppFrames() []storedFrame {
	var out []storedFrame
	for _, en := range e.Entries {
		for _, v := range en.Data.Values {
			if en.Type != "exception" || v.Stacktrace == nil {
				continue
			}
			for _, f := range v.Stacktrace.Frames {
				if f.InApp {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// contextAt returns the context line the frame carries for line n.
func (f storedFrame) contextAt(n int) (string, bool) {
	for _, c := range f.Context {
		if len(c) == 2 {
			if num, ok := c[0].(float64); ok && int(num) == n {
				s, _ := c[1].(string)
				return s, true
			}
		}
	}
	return "", false
}

// TestSentryCLISourceMapsSymbolicate is the source map pipeline end to end
// with nothing but unmodified tools: esbuild builds a TypeScript app twice
// (browser and Node.js), sentry-cli injects debug ids and uploads both
// builds as an artifact bundle, and a third build, without debug ids, under
// the URL the page serves it from (its path on disk, see browser.mjs). Then @sentry/browser in headless Chromium
// and @sentry/node run the minified builds, which throw; the stored events
// must show the TypeScript files, functions and lines, and be one issue.
func TestSentryCLISourceMapsSymbolicate(t *testing.T) {
	dir, bin, chromium := sentryCLIHarness(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	cli := newSentryCLI(t, bin, srv, proj)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	dsn := fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)
	const version = "checkout@3.1.0"
	injected, plain := buildCheckoutApp(t, dir), buildCheckoutApp(t, dir)

	bundleIDs := map[string]string{} // upload → the bundle id sentry-cli printed
	bundleID := regexp.MustCompile(`Bundle ID: ([0-9a-f-]{36})`)
	steps := []struct {
		name     string
		run      func(t *testing.T)
		readOnly bool // later steps do not depend on it
	}{
		{"sourcemaps inject", func(t *testing.T) {
			cli.must(t, "", "sourcemaps", "inject", injected)
			for _, f := range []string{"browser/checkout.js", "browser/checkout.js.map", "node/checkout.mjs", "node/checkout.mjs.map"} {
				b, err := os.ReadFile(filepath.Join(injected, f))
				if err != nil || !strings.Contains(string(b), "ebugId") {
					t.Errorf("%s has no debug id after inject (%v)", f, err)
				}
			}
		}, false},
		{"sourcemaps upload by debug id", func(t *testing.T) {
			out := cli.must(t, "", "sourcemaps", "upload", "--release", version, injected)
			m := bundleID.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no bundle id in the upload report:\n%s", out)
			}
			bundleIDs["debug ids"] = m[1]
		}, false},
		{"sourcemaps upload by URL", func(t *testing.T) {
			// browser.mjs serves the build at its path on disk.
			dir := filepath.Join(plain, "browser")
			out := cli.must(t, "", "sourcemaps", "upload", "--release", version, "--url-prefix", "~"+filepath.ToSlash(dir), dir)
			m := bundleID.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no bundle id in the upload report:\n%s", out)
			}
			bundleIDs["urls"] = m[1]
		}, false},
		{"artifact bundles listed", func(t *testing.T) {
			path := fmt.Sprintf("/api/0/projects/%s/%s/files/artifact-bundles/", proj.Organization, proj.Project)
			want := map[string]int{bundleIDs["debug ids"]: 4, bundleIDs["urls"]: 2}
			var got map[string]int
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
				var bundles []struct {
					BundleID  string `json:"bundleId"`
					FileCount int    `json:"fileCount"`
				}
				code, body := api.on(t).getRaw(path)
				if code == http.StatusOK {
					api.on(t).get(path, &bundles)
				}
				got = map[string]int{}
				for _, b := range bundles {
					got[b.BundleID] = b.FileCount
				}
				if fmt.Sprint(got) == fmt.Sprint(want) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("GET %s: %d %s; want bundles (id: files) %v", path, code, body, want)
				}
			}
		}, true},
		{"errors symbolicated into one issue", func(t *testing.T) {
			labels := []string{"browser-debug-id", "node-debug-id", "browser-url"}
			// Node.js runs beside Chromium: both take a while to start.
			nodeDone := make(chan error, 1)
			var nodeOut []byte
			go func() {
				var err error
				nodeOut, err = runBrowserScript(dir, chromium, 90*time.Second, "node.mjs", dsn, version,
					filepath.Join(injected, "node"), labels[1])
				nodeDone <- err
			}()
			out, err := runBrowserScript(dir, chromium, 120*time.Second, "browser.mjs", dsn, version,
				filepath.Join(injected, "browser"), labels[0], filepath.Join(plain, "browser"), labels[2])
			if nodeErr := <-nodeDone; nodeErr != nil {
				t.Fatalf("node node.mjs: %v\n%s", nodeErr, nodeOut)
			}
			if err != nil {
				t.Fatalf("node browser.mjs: %v\n%s", err, out)
			}
			issues := waitForCount(t, api, proj.Organization, proj.Project, len(labels))
			events := map[string]storedEvent{}
			for _, is := range issues {
				var list []struct {
					EventID string `json:"eventID"`
				}
				api.get("/api/0/issues/"+is.ID+"/events/", &list)
				for _, e := range list {
					var ev storedEvent
					api.get("/api/0/issues/"+is.ID+"/events/"+e.EventID+"/", &ev)
					events[ev.tag("harness")] = ev
				}
			}
			for _, label := range labels {
				t.Run(label, func(t *testing.T) { checkSymbolicated(t, dir, events[label]) })
			}
			const title = "CouponExpiredError: coupon SPRING-26 expired on 2026-03-31"
			if len(issues) != 1 || issues[0].Title != title || !strings.Contains(issues[0].Culprit, "applyCoupon") {
				t.Errorf("issues %+v, want one %q with culprit in applyCoupon", issues, title)
			}
		}, false},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) && !s.readOnly {
			return // later steps build on this one
		}
	}
}

// checkSymbolicated checks that the event's in-app frames are the
// TypeScript ones, with their source lines as context.
func checkSymbolicated(t *testing.T, dir string, ev storedEvent) {
	t.Helper()
	frames := ev.inAppFrames()
	if len(frames) != len(checkoutFrames) {
		t.Fatalf("event %s: %d in-app frames, want %d: %+v", ev.EventID, len(frames), len(checkoutFrames), frames)
	}
	for i, want := range checkoutFrames {
		f := frames[i]
		line, prev := sourceLine(t, dir, want.file, want.line)
		if !strings.HasSuffix(f.Filename, "app/"+want.file) || f.Function != want.function || f.LineNo != line {
			t.Errorf("frame %d is %s in %s at line %d, want %s in app/%s at line %d (%+v)",
				i, f.Function, f.Filename, f.LineNo, want.function, want.file, line, f)
			continue
		}
		if got, ok := f.contextAt(line); !ok || strings.TrimSpace(got) != want.line {
			t.Errorf("frame %d (%s) context line %q, want %q", i, want.function, got, want.line)
		}
		if got, ok := f.contextAt(line - 1); !ok || got != prev {
			t.Errorf("frame %d (%s) line before %q, want %q", i, want.function, got, prev)
		}
	}
}
