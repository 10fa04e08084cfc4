package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// listIssues is how many issues the list benchmark's project holds, and
// listIngestRate the events per second sent to it while the list is read.
const (
	listIssues     = 100_000
	listIngestRate = 1_000
)

// BenchmarkIssueListAtScale reads a project's issue list, as the dashboard
// asks for it (unresolved, 25 a page, each with its 24-hour sparkline),
// while the project holds 100,000 issues and SDK envelopes arrive at 1,000
// events per second through the whole pipeline (ingest, broker, workers,
// PostgreSQL and ClickHouse). It reports each list's p50 and p99 and the
// rate the events were accepted at. Run under the test services:
//
//	go test -run '^$' -bench IssueListAtScale -benchtime 200x ./cmd/faultline/
func BenchmarkIssueListAtScale(b *testing.B) {
	srv := testServerB(b)
	proj := metadatatest.Project(b, srv.db, testSecret)
	seedIssues(b, srv.db, proj.ProjectID, listIssues)
	// The test database is shared: take the 100,000 issues away after.
	b.Cleanup(func() { _ = srv.db.DeleteProject(context.Background(), proj.ProjectID) })

	ctx, stop := context.WithCancel(b.Context())
	sent, accepted := ingestAtRate(ctx, b, srv.addr, proj, listIngestRate)
	time.Sleep(3 * time.Second) // the workers reach their steady state
	start, acceptedBefore := time.Now(), accepted.Load()

	base := fmt.Sprintf("http://%s/api/0/projects/%s/%s/issues/?", srv.addr, proj.Organization, proj.Project)
	lists := []struct{ name, query string }{
		{"Unresolved", "query=is%3Aunresolved&sort=date&groupStatsPeriod=24h"},
		{"ByFrequency", "query=is%3Aunresolved&sort=freq&groupStatsPeriod=24h"},
		{"Newest", "query=is%3Aunresolved&sort=new&groupStatsPeriod=24h"},
		{"TextSearch", "query=" + url.QueryEscape("is:unresolved bench issue 4242") + "&sort=date&groupStatsPeriod=24h"},
	}
	for _, l := range lists {
		b.Run(l.name, func(b *testing.B) {
			var took []time.Duration
			for range max(b.N, 50) {
				began := time.Now()
				code, body, err := getWithToken(base+l.query, proj.Token)
				took = append(took, time.Since(began))
				if err != nil || code != http.StatusOK || !bytes.HasPrefix(body, []byte("[{")) {
					b.Fatalf("%s: %d %.200s %v", l.name, code, body, err)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
	elapsed := time.Since(start).Seconds()
	stop()
	b.Logf("while listing: %.0f events/s accepted (%d sent in all)", float64(accepted.Load()-acceptedBefore)/elapsed, sent.Load())
}

// seedIssues puts n issues into the project through the metadata store,
// as the workers would, their last events spread over 30 days.
func seedIssues(b *testing.B, db *metadata.DB, projectID int64, n int) {
	start, now := time.Now(), time.Now().UTC()
	const batchSize = 2000
	for from := 0; from < n; from += batchSize {
		batch := make([]metadata.GroupedEvent, 0, batchSize)
		for i := from; i < min(from+batchSize, n); i++ {
			// Grouped as the workers group an SDK's fingerprint ["bench-<i>"],
			// so that the envelopes sent later land on these issues.
			g := event.Group(&event.Event{Fingerprint: []string{fmt.Sprintf("bench-%d", i)}})
			batch = append(batch, metadata.GroupedEvent{EventID: fmt.Sprintf("%032x", i+1), Fingerprint: g.Fingerprint,
				Title: fmt.Sprintf("bench issue %d", i), Culprit: fmt.Sprintf("app.views.view_%d", i%500), Level: "error", Type: "error",
				Timestamp: now.Add(-time.Duration(i) * 30 * 24 * time.Hour / time.Duration(n))})
		}
		if _, err := db.RecordEvents(b.Context(), projectID, batch); err != nil {
			b.Fatal(err)
		}
	}
	// An installation whose project grew to 100,000 issues has had them
	// analyzed (autovacuum does it as tables grow); right after a bulk seed
	// the planner would still take the project for an empty one. That
	// goes for issue_texts too: with the statistics of the few rows it
	// held before the seed, the planner read all 100,000 titles for a text
	// search (p50 92 ms) instead of their trigram index (p50 22 ms).
	conn, err := pgx.Connect(b.Context(), metadatatest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(b.Context(), "ANALYZE issues, issue_texts"); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d issues in %s", n, time.Since(start).Round(time.Second))
}

// ingestAtRate posts gzipped error envelopes to the project at rate events
// per second until ctx ends, each to one of the seeded issues (a hot set of
// 5,000), counting what was sent and what was answered 200.
func ingestAtRate(ctx context.Context, b *testing.B, addr string, proj metadata.BootstrapResult, rate int) (sent, accepted *atomic.Int64) {
	sent, accepted = new(atomic.Int64), new(atomic.Int64)
	endpoint := fmt.Sprintf("http://%s/api/%d/envelope/?sentry_key=%s", addr, proj.ProjectID, proj.PublicKey)
	bodies := make(chan []byte, 64)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for body := range bodies {
				req, _ := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
				req.Header.Set("Content-Encoding", "gzip")
				if resp, err := http.DefaultClient.Do(req); err == nil {
					if resp.StatusCode == http.StatusOK {
						accepted.Add(1)
					}
					resp.Body.Close()
				}
			}
		})
	}
	go func() {
		defer close(bodies)
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for range rate / 100 {
				zipped.Reset()
				zw.Reset(&zipped)
				fmt.Fprintf(zw, `{"event_id":"%032x","sent_at":"%s"}
{"type":"event"}
{"event_id":"%032x","level":"error","platform":"python","fingerprint":["bench-%d"],"exception":{"values":[{"type":"ValueError","value":"bench issue %d","stacktrace":{"frames":[{"filename":"app/views.py","function":"view","lineno":%d,"in_app":true}]}}]},"tags":{"server_name":"web-%d"}}
`, 1<<60+i, time.Now().UTC().Format(time.RFC3339), 1<<60+i, i%5000, i%5000, i%300, i%8)
				_ = zw.Close()
				select {
				case bodies <- bytes.Clone(zipped.Bytes()):
					sent.Add(1)
				case <-ctx.Done():
					return
				}
				i++
			}
		}
	}()
	b.Cleanup(wg.Wait)
	return sent, accepted
}

// getWithToken reads a URL with an API token.
func getWithToken(u, token string) (int, []byte, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}
