package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
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

func TestTransactionSummariesAPI(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	base := fmt.Sprintf("/api/0/projects/%s/%s", proj.Organization, proj.Project)
	if code := api.call("PUT", base+"/", `{"apdexThreshold":100}`, nil); code != http.StatusOK {
		t.Fatalf("set apdex threshold: %d", code)
	}
	start := time.Now().Add(-time.Minute)
	tx := func(i int, name string, ms int, status, user string) string {
		id := fmt.Sprintf("%032x", 0xabc000+i)
		end := start.Add(time.Duration(ms) * time.Millisecond)
		payload := fmt.Sprintf(`{"type":"transaction","transaction":"%s","start_timestamp":%.3f,"timestamp":%.3f,`+
			`"contexts":{"trace":{"trace_id":"%s","span_id":"%016x","op":"http.server","status":"%s"}},"user":{"id":"%s"}}`,
			name, float64(start.UnixMilli())/1000, float64(end.UnixMilli())/1000, id, i, status, user)
		return `{"event_id":"` + id + `"}` + "\n" + `{"type":"transaction"}` + "\n" + payload
	}
	envelopes := []string{
		tx(1, "GET /fast", 50, "ok", "u1"), tx(2, "GET /fast", 50, "ok", "u1"), tx(3, "GET /fast", 60, "ok", "u2"), tx(4, "GET /fast", 40, "ok", "u3"),
		tx(5, "GET /slow", 500, "ok", "u1"), tx(6, "GET /slow", 600, "internal_error", "u2"),
	}
	for _, e := range envelopes {
		if resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, e, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("post: %d %s", resp.StatusCode, body)
		}
	}
	type summary struct {
		Transaction string
		Count       int
		P50, P95    float64
		FailureRate float64 `json:"failure_rate"`
		Apdex       float64
		UserMisery  int `json:"user_misery"`
	}
	var got []summary
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		api.get(base+"/transactions/?sort=-p95", &got)
		if len(got) == 2 && got[0].Count+got[1].Count == 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("summaries %+v", got)
		}
	}
	slow, fast := got[0], got[1]
	if slow.Transaction != "GET /slow" || slow.Apdex != 0 || slow.FailureRate != 0.5 || slow.UserMisery != 2 || slow.P95 < 500 {
		t.Errorf("slow: %+v", slow)
	}
	if fast.Transaction != "GET /fast" || fast.Count != 4 || fast.Apdex != 1 || fast.FailureRate != 0 || fast.UserMisery != 0 || fast.P50 < 40 || fast.P50 > 60 {
		t.Errorf("fast: %+v", fast)
	}
	var sparks []struct {
		Transaction string
		Sparkline   [][2]int64
	}
	api.get(base+"/transactions/?statsPeriod=24h", &sparks)
	for _, s := range sparks {
		n := int64(0)
		for _, point := range s.Sparkline {
			n += point[1]
		}
		if want := map[string]int64{"GET /fast": 4, "GET /slow": 2}[s.Transaction]; n != want || len(s.Sparkline) < 24 {
			t.Errorf("%s sparkline: %d points summing to %d, want %d", s.Transaction, len(s.Sparkline), n, want)
		}
	}
	var searched []summary
	api.get(base+"/transactions/?query=fast", &searched)
	if len(searched) != 1 || searched[0].Transaction != "GET /fast" {
		t.Errorf("query=fast: %+v", searched)
	}
	_, link := api.getWithLink(base+"/transactions/?limit=1&sort=count", nil)
	if !strings.Contains(link, `rel="next"; results="true"`) {
		t.Errorf("limit=1: Link %s", link)
	}
	if code := api.get(base+"/transactions/?sort=size", nil); code != http.StatusBadRequest {
		t.Errorf("a bad sort: %d, want 400", code)
	}

	// The same transactions as series over time.
	stats := "/api/0/organizations/" + proj.Organization + "/events-stats/?statsPeriod=1h&interval=5m&"
	type series struct {
		Data [][2]json.RawMessage
	}
	sum := func(s series) (total, peak float64) {
		for _, point := range s.Data {
			var v []struct{ Count float64 }
			_ = json.Unmarshal(point[1], &v)
			if len(v) == 1 {
				total += v[0].Count
				peak = max(peak, v[0].Count)
			}
		}
		return total, peak
	}
	var one series
	if code := api.get(stats+"dataset=transactions&yAxis=count()", &one); code != http.StatusOK {
		t.Fatalf("events-stats: %d", code)
	}
	if total, _ := sum(one); total != 6 || len(one.Data) < 12 {
		t.Errorf("count() over the hour: %v in %d buckets, want 6", total, len(one.Data))
	}
	var several map[string]series
	api.get(stats+"yAxis=count()&yAxis=p95()", &several)
	if _, p95 := sum(several["p95()"]); p95 < 500 || len(several) != 2 {
		t.Errorf("count() and p95(): %v", several)
	}
	var top map[string]series
	api.get(stats+"dataset=transactions&yAxis=count()&field=transaction&topEvents=1", &top)
	if total, _ := sum(top["GET /fast"]); len(top) != 1 || total != 4 {
		t.Errorf("top 1 transaction: %v", top)
	}
	var failing series
	api.get(stats+"yAxis=failure_rate()&project="+proj.Project+"&query="+url.QueryEscape(`transaction:"GET /slow"`), &failing)
	if _, peak := sum(failing); peak != 0.5 {
		t.Errorf("failure_rate() of GET /slow peaks at %v, want 0.5", peak)
	}
	var others series
	api.get(stats+"dataset=transactions&yAxis=count()&query="+url.QueryEscape(`!transaction:"GET /slow"`), &others)
	if total, _ := sum(others); total != 4 {
		t.Errorf("count() without GET /slow: %v, want 4", total)
	}
	if code := api.get(stats+"dataset=errors&yAxis=p95()", nil); code != http.StatusBadRequest {
		t.Errorf("p95() of errors: %d, want 400", code)
	}
	if code := api.get(stats+"yAxis=drop_table()", nil); code != http.StatusBadRequest {
		t.Errorf("an unknown yAxis: %d, want 400", code)
	}

	// The Discover table over the same transactions.
	events := "/api/0/organizations/" + proj.Organization + "/events/?statsPeriod=1h&"
	// Numbers are JSON numbers, as Sentry answers them.
	var table struct {
		Data []map[string]any
	}
	if code := api.get(events+"field=transaction&field=count()&field=p95()&sort=-count()", &table); code != http.StatusOK {
		t.Fatalf("events table: %d", code)
	}
	if len(table.Data) != 2 || table.Data[0]["transaction"] != "GET /fast" || table.Data[0]["count()"] != 4.0 {
		t.Errorf("grouped table: %+v", table.Data)
	}
	api.get(events+"field=transaction&field=count()&query="+url.QueryEscape("!transaction.status:ok"), &table)
	if len(table.Data) != 1 || table.Data[0]["transaction"] != "GET /slow" || table.Data[0]["count()"] != 1.0 {
		t.Errorf("failed transactions: %+v", table.Data)
	}
	_, link = api.getWithLink(events+"field=transaction&field=transaction.duration&sort=-transaction.duration&per_page=2", &table)
	if len(table.Data) != 2 || table.Data[0]["transaction.duration"] != 600.0 || !strings.Contains(link, `rel="next"; results="true"`) {
		t.Errorf("rows table: %+v, Link %s", table.Data, link)
	}
	req, _ := http.NewRequest(http.MethodGet, api.base+events+"field=transaction&field=count()&sort=transaction&format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+proj.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csvBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(csvBody) != "transaction,count()\nGET /fast,4\nGET /slow,2\n" {
		t.Errorf("CSV: %d %q", resp.StatusCode, csvBody)
	}
	for _, bad := range []string{"field=password", "field=transaction&sort=-title", "field=transaction&field=p95()&dataset=errors"} {
		if code := api.get(events+bad, nil); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
}

func TestTransactionWaterfall(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	start := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	at := func(ms int) float64 { return float64(start.Add(time.Duration(ms)*time.Millisecond).UnixMilli()) / 1000 }
	const id, trace = "feedfacefeedfacefeedfacefeedface", "0123456789abcdef0123456789abcdef"
	payload := fmt.Sprintf(`{"type":"transaction","transaction":"GET /orders","start_timestamp":%.3f,"timestamp":%.3f,`+
		`"contexts":{"trace":{"trace_id":"%s","span_id":"aaaaaaaaaaaaaaaa","op":"http.server","status":"ok"}},"spans":[`+
		`{"span_id":"bbbbbbbbbbbbbbbb","parent_span_id":"aaaaaaaaaaaaaaaa","op":"db.query","description":"SELECT * FROM orders WHERE id = 7","start_timestamp":%.3f,"timestamp":%.3f},`+
		`{"span_id":"cccccccccccccccc","parent_span_id":"bbbbbbbbbbbbbbbb","op":"cache.get","description":"orders:7","start_timestamp":%.3f,"timestamp":%.3f}]}`,
		at(0), at(100), trace, at(10), at(60), at(20), at(30))
	if resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, `{"event_id":"`+id+`"}`+"\n"+`{"type":"transaction"}`+"\n"+payload, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("post: %d %s", resp.StatusCode, body)
	}
	var w struct {
		Transaction struct {
			Name       string
			DurationMS float64 `json:"duration_ms"`
		}
		Spans []struct {
			Op          string
			Description string
			OffsetMS    float64 `json:"offset_ms"`
			DurationMS  float64 `json:"duration_ms"`
			SelfTimeMS  float64 `json:"self_time_ms"`
		}
	}
	path := fmt.Sprintf("/api/0/projects/%s/%s/transactions/%s/spans/", proj.Organization, proj.Project, id)
	waitUntil(t, func() (bool, string) {
		return api.get(path, &w) == http.StatusOK && len(w.Spans) == 2, fmt.Sprintf("waterfall %+v", w)
	})
	db, cache := w.Spans[0], w.Spans[1]
	if w.Transaction.Name != "GET /orders" || w.Transaction.DurationMS != 100 ||
		db.Op != "db.query" || db.Description != "SELECT * FROM orders WHERE id = %s" || db.OffsetMS != 10 || db.DurationMS != 50 || db.SelfTimeMS != 40 ||
		cache.Op != "cache.get" || cache.OffsetMS != 20 || cache.DurationMS != 10 {
		t.Errorf("waterfall %+v", w)
	}
	var byTrace struct {
		Transaction struct {
			EventID string `json:"event_id"`
		}
	}
	api.get(fmt.Sprintf("/api/0/projects/%s/%s/transactions/%s/spans/", proj.Organization, proj.Project, trace), &byTrace)
	if byTrace.Transaction.EventID != id {
		t.Errorf("by trace id: %+v", byTrace)
	}
	if code := api.get(fmt.Sprintf("/api/0/projects/%s/%s/transactions/%032d/spans/", proj.Organization, proj.Project, 0), nil); code != http.StatusNotFound {
		t.Errorf("unknown transaction: %d, want 404", code)
	}

	// The transaction's summary: figures, its slowest sample, where its time goes.
	var sum struct {
		Summary struct{ Count int }
		Slowest []struct {
			EventID    string  `json:"event_id"`
			DurationMS float64 `json:"duration_ms"`
		}
		SpanOps []struct {
			Op        string
			Count     int
			SelfShare float64 `json:"self_time_share"`
		} `json:"spanOps"`
	}
	summary := fmt.Sprintf("/api/0/projects/%s/%s/transactions/summary/?transaction=", proj.Organization, proj.Project)
	if code := api.get(summary+url.QueryEscape("GET /orders"), &sum); code != http.StatusOK {
		t.Fatalf("summary: %d", code)
	}
	if sum.Summary.Count != 1 || len(sum.Slowest) != 1 || sum.Slowest[0].EventID != id || sum.Slowest[0].DurationMS != 100 {
		t.Errorf("summary %+v", sum)
	}
	// db.query keeps 40 of the 100 ms to itself, cache.get 10.
	if len(sum.SpanOps) != 2 || sum.SpanOps[0].Op != "db.query" || sum.SpanOps[0].SelfShare != 0.4 ||
		sum.SpanOps[1].Op != "cache.get" || sum.SpanOps[1].SelfShare != 0.1 {
		t.Errorf("span ops %+v", sum.SpanOps)
	}
	for q, want := range map[string]int{"": http.StatusBadRequest, url.QueryEscape("GET /nothing"): http.StatusNotFound} {
		if code := api.get(summary+q, nil); code != want {
			t.Errorf("summary of %q: %d, want %d", q, code, want)
		}
	}
}
