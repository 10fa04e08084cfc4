package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// Every accepted, rate-limited, invalid and client-discarded item is counted
// as an outcome in ClickHouse.
func TestOutcomes(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	ctx := context.Background()
	if err := srv.db.SetKeyRateLimit(ctx, proj.PublicKey, 2, time.Hour); err != nil {
		t.Fatal(err)
	}
	post := func(body string) int {
		resp, _ := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, body, nil)
		return resp.StatusCode
	}
	event := "{}\n{\"type\":\"event\"}\n{\"message\":\"counted\"}"
	report := `{}` + "\n" + `{"type":"client_report"}` + "\n" +
		`{"timestamp":1795303252,"discarded_events":[{"reason":"sample_rate","category":"transaction","quantity":7},{"reason":"queue_overflow","category":"error","quantity":2}]}`
	got := []int{post(event), post(event), post(event), post("{}\n{\"type\":\"event\"}\n{broken"), post(report)}
	if fmt.Sprint(got) != "[200 200 429 400 200]" {
		t.Fatalf("statuses %v", got)
	}
	if err := srv.outcomes.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{
		"error/accepted/":                        2,
		"error/rate_limited/key_quota":           1,
		"error/invalid/invalid_json":             1,
		"transaction/client_discard/sample_rate": 7,
		"error/client_discard/queue_overflow":    2,
	}
	waitUntil(t, func() (bool, string) {
		totals, err := srv.store.OutcomeTotals(ctx, uint64(proj.ProjectID), time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(totals) == fmt.Sprint(want), fmt.Sprintf("outcomes %v, want %v", totals, want)
	})

	// The same, as usage stats through the API.
	var usage struct {
		Intervals []string
		Groups    []struct {
			By     map[string]string
			Totals map[string]int
			Series map[string][]int
		}
	}
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	if code := api.get("/api/0/organizations/"+proj.Organization+"/stats_v2/?statsPeriod=1h&interval=5m", &usage); code != http.StatusOK {
		t.Fatalf("stats_v2: %d", code)
	}
	totals := map[string]int{}
	for _, g := range usage.Groups {
		sum := 0
		for _, n := range g.Series["sum(quantity)"] {
			sum += n
		}
		if sum != g.Totals["sum(quantity)"] {
			t.Errorf("group %v: series add up to %d, total says %d", g.By, sum, g.Totals["sum(quantity)"])
		}
		totals[g.By["category"]+"/"+g.By["outcome"]] = g.Totals["sum(quantity)"]
	}
	if totals["error/accepted"] != 2 || totals["error/rate_limited"] != 1 || totals["transaction/client_discard"] != 7 || len(usage.Intervals) < 12 {
		t.Errorf("usage %v over %d intervals", totals, len(usage.Intervals))
	}
	if code := api.get("/api/0/organizations/"+proj.Organization+"/stats_v2/?interval=1s", nil); code != http.StatusBadRequest {
		t.Errorf("a one-second interval: %d, want 400", code)
	}
}
