package ingest

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Two handlers in one process count on their own registries: a request to
// one leaves the other's counters at zero.
func TestMetricsPerHandler(t *testing.T) {
	var produced recorder
	a, b := newTestIngest(t, &produced), newTestIngest(t, &produced)
	if status, answer := a.post(t, "/api/1/store/", `{"message":"ok"}`); status != 200 {
		t.Fatalf("answered %d %q", status, answer)
	}
	const want = `
# HELP faultline_ingest_requests_total Ingest requests by endpoint and answered status.
# TYPE faultline_ingest_requests_total counter
faultline_ingest_requests_total{endpoint="store",status="200"} 1
`
	if err := testutil.GatherAndCompare(a.metrics, strings.NewReader(want), "faultline_ingest_requests_total"); err != nil {
		t.Errorf("first handler: %v", err)
	}
	if n := testutil.CollectAndCount(b.h.metrics.requests); n != 0 {
		t.Errorf("second handler counted %d request series, want 0", n)
	}
	if n, err := testutil.GatherAndCount(b.metrics, "faultline_ingest_requests_total"); err != nil || n != 0 {
		t.Errorf("second handler's registry gathers %d request series (err %v), want 0", n, err)
	}
	// The bytes are counted as sent, without copying the body to count them.
	if got := testutil.ToFloat64(a.h.metrics.requestBytes.WithLabelValues("store")); got != float64(len(`{"message":"ok"}`)) {
		t.Errorf("faultline_ingest_bytes_total{endpoint=store} = %v, want %d", got, len(`{"message":"ok"}`))
	}
}
