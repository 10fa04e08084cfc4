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

// nodeSDK returns the directory holding @sentry/node, installed by `make
// test` (npm ci in testdata/node); without it the test is skipped, or fails
// under `make test`.
func nodeSDK(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("testdata", "node"))
	_, errNode := exec.LookPath("node")
	_, errMods := os.Stat(filepath.Join(dir, "node_modules", "@sentry", "node"))
	if errNode != nil || errMods != nil {
		needTool(t, "node or @sentry/node is missing: run `make test`, which runs npm ci in "+dir)
	}
	return dir
}

// TestSentryNodeErrorsBecomeIssues sends errors with the unmodified
// @sentry/node SDK and reads them back, grouped, through the API.
func TestSentryNodeErrorsBecomeIssues(t *testing.T) {
	dir := nodeSDK(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	dsn := fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", filepath.Join(dir, "send.mjs"), dsn).CombinedOutput()
	if err != nil {
		t.Fatalf("node send.mjs: %v\n%s", err, out)
	}

	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	issues := waitForCount(t, api, proj.Organization, proj.Project, 6)
	byTitle := map[string]issueResp{}
	for _, is := range issues {
		byTitle[is.Title] = is
	}
	var typeErr issueResp
	for title, is := range byTitle {
		if strings.HasPrefix(title, "TypeError: ") {
			typeErr = is
		}
	}
	if len(byTitle) != 3 || typeErr.Count != "3" || typeErr.UserCount != 1 ||
		byTitle["Error: config file missing"].Count != "2" || byTitle["node cache warmed up"].Level != "warning" {
		t.Fatalf("issues from @sentry/node: %+v", issues)
	}
	if !strings.Contains(typeErr.Culprit, "chargeCard") {
		t.Errorf("TypeError culprit %q does not name chargeCard", typeErr.Culprit)
	}
}

// TestSentryNodeSpans sends a traced request with @sentry/node, once with its
// default span streaming (the segment becomes a transaction, its children
// spans of it) and once with whole transactions.
func TestSentryNodeSpans(t *testing.T) {
	dir := nodeSDK(t)
	srv := testServer(t)
	for _, lifecycle := range []string{"stream", "static"} {
		t.Run(lifecycle, func(t *testing.T) {
			proj := metadatatest.Project(t, srv.db, testSecret)
			dsn := fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if out, err := exec.CommandContext(ctx, "node", filepath.Join(dir, "spans.mjs"), dsn, lifecycle).CombinedOutput(); err != nil {
				t.Fatalf("node spans.mjs: %v\n%s", err, out)
			}
			since := time.Now().Add(-time.Hour)
			deadline := time.Now().Add(30 * time.Second)
			for {
				sums, err := srv.store.TransactionSummaries(ctx, uint64(proj.ProjectID), since)
				if err != nil {
					t.Fatal(err)
				}
				spans, err := srv.store.SpanCount(ctx, uint64(proj.ProjectID), since)
				if err != nil {
					t.Fatal(err)
				}
				if len(sums) == 1 && sums[0].Name == "GET /checkout/:id" && sums[0].Count == 1 && spans == 2 {
					if sums[0].P50 < 7 {
						t.Errorf("transaction duration p50 %.1f ms, shorter than its children", sums[0].P50)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("summaries %+v, %d spans; want one GET /checkout/:id with 2 spans", sums, spans)
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
}
