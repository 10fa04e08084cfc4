package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/getsentry/sentry-go"
)

// Transactions from the unmodified sentry-go SDK land in ClickHouse with
// their spans, and never become issues.
func TestSentryGoTransactions(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	client, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:              fmt.Sprintf("http://%s@%s/%d", proj.PublicKey, srv.addr, proj.ProjectID),
		EnableTracing:    true,
		TracesSampleRate: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	hub := sentry.NewHub(client, sentry.NewScope())
	ctx := sentry.SetHubOnContext(context.Background(), hub)
	for i := range 4 {
		tx := sentry.StartTransaction(ctx, "GET /checkout/{id}", sentry.WithOpName("http.server"))
		db := tx.StartChild("db.query", sentry.WithDescription(fmt.Sprintf("SELECT * FROM orders WHERE id = %d", i)))
		time.Sleep(2 * time.Millisecond)
		db.Finish()
		tx.Finish()
	}
	tx := sentry.StartTransaction(ctx, "POST /pay", sentry.WithOpName("http.server"))
	tx.Status = sentry.SpanStatusInternalError
	tx.Finish()
	if !client.Flush(10 * time.Second) {
		t.Fatal("sentry-go could not deliver its transactions")
	}

	deadline := time.Now().Add(30 * time.Second)
	since := time.Now().Add(-time.Hour)
	for {
		sums, err := srv.store.TransactionSummaries(context.Background(), uint64(proj.ProjectID), since)
		if err != nil {
			t.Fatal(err)
		}
		spans, err := srv.store.SpanCount(context.Background(), uint64(proj.ProjectID), since)
		if err != nil {
			t.Fatal(err)
		}
		if len(sums) == 2 && sums[0].Count == 4 && sums[1].Count == 1 && spans == 4 {
			if sums[0].Name != "GET /checkout/{id}" || sums[0].P50 < 2 || sums[0].FailureRate != 0 || sums[1].FailureRate != 1 {
				t.Fatalf("summaries %+v", sums)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s: summaries %+v, %d spans; want 4 + 1 transactions and 4 spans", sums, spans)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var issues []issueResp
	apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}.get(
		fmt.Sprintf("/api/0/projects/%s/%s/issues/", proj.Organization, proj.Project), &issues)
	if len(issues) != 0 {
		t.Errorf("transactions became issues: %+v", issues)
	}
}
