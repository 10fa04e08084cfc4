package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// debianSDK returns the interpreter for a Sentry SDK installed from Debian's
// packages (python3-sentry-sdk, ruby-sentry-ruby; `make test` installs them),
// after checking that it loads the SDK with check (a -c or -e program).
func debianSDK(t *testing.T, interpreter, flag, check string) string {
	t.Helper()
	if exec.Command(interpreter, flag, check).Run() == nil {
		return interpreter
	}
	needTool(t, interpreter+" cannot load its Sentry SDK: run `make test`, which installs python3-sentry-sdk and ruby-sentry-ruby")
	return ""
}

// TestDebianSDKs sends errors with the Python and Ruby SDKs from Debian's
// packages (the Python one posts gzip to the legacy /store/ endpoint, the
// Ruby one sends an empty Content-Encoding header) and reads them back.
func TestDebianSDKs(t *testing.T) {
	cases := []struct {
		name, interpreter, flag, check, script string
		titles                                 map[string]string // title prefix → count
		culprit                                string
		secret                                 string
	}{
		{"python", "/usr/bin/python3", "-c", "import sentry_sdk", "python/send.py",
			map[string]string{"KeyError: ": "3", "ValueError: ": "2", "python worker started": "1"}, "load_cart", "hunter2-python"},
		{"ruby", "/usr/bin/ruby", "-e", `require "sentry-ruby"`, "ruby/send.rb",
			map[string]string{"ArgumentError: ": "3", "ZeroDivisionError: ": "2", "ruby worker started": "1"}, "charge", ""},
	}
	srv := testServer(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			interpreter := debianSDK(t, tc.interpreter, tc.flag, tc.check)
			proj := metadatatest.Project(t, srv.db, testSecret)
			dsn := fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			script, _ := filepath.Abs(filepath.Join("testdata", tc.script))
			if out, err := exec.CommandContext(ctx, interpreter, script, dsn).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", tc.script, err, out)
			}
			api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
			issues := waitForCount(t, api, proj.Organization, proj.Project, 6)
			found := map[string]issueResp{}
			for _, is := range issues {
				for prefix := range tc.titles {
					if strings.HasPrefix(is.Title, prefix) {
						found[prefix] = is
					}
				}
			}
			for prefix, count := range tc.titles {
				if found[prefix].Count != count {
					t.Errorf("issue %q: %+v, want count %s (all: %+v)", prefix, found[prefix], count, issues)
				}
			}
			first := found[mapKeyWithCount(tc.titles, "3")]
			if !strings.Contains(first.Culprit, tc.culprit) {
				t.Errorf("culprit %q does not name %s", first.Culprit, tc.culprit)
			}
			if tc.secret != "" {
				// The SDK sends frame variables; the password among them is
				// scrubbed before storage. (Source lines around a frame are
				// code, not data, and are kept, as Sentry keeps them.)
				var latest struct {
					Entries []struct {
						Type string `json:"type"`
						Data struct {
							Values []struct {
								Stacktrace struct {
									Frames []struct {
										Function string         `json:"function"`
										Vars     map[string]any `json:"vars"`
									} `json:"frames"`
								} `json:"stacktrace"`
							} `json:"values"`
						} `json:"data"`
					} `json:"entries"`
				}
				api.get("/api/0/issues/"+found["ValueError: "].ID+"/events/latest/", &latest)
				scrubbed := false
				for _, e := range latest.Entries {
					for _, v := range e.Data.Values {
						for _, f := range v.Stacktrace.Frames {
							if f.Function != "parse_quantity" {
								continue
							}
							if s := fmt.Sprint(f.Vars); strings.Contains(s, tc.secret) {
								t.Errorf("frame variables still hold the password: %s", s)
							}
							scrubbed = f.Vars["password"] == "[Filtered]"
						}
					}
				}
				if !scrubbed {
					t.Errorf("parse_quantity's password variable is not [Filtered]: %+v", latest)
				}
			}
		})
	}
}

func mapKeyWithCount(m map[string]string, count string) string {
	for k, v := range m {
		if v == count {
			return k
		}
	}
	return ""
}
