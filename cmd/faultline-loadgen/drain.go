package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// storedMetric counts the records the server's workers have stored in
// both stores (observed once a batch's offsets may be committed).
const storedMetric = "faultline_worker_batch_records_sum"

// storedRecords reads storedMetric from the server's /metrics. A server
// whose metrics lack it runs no worker in that process (ingest alone).
func storedRecords(ctx context.Context, client *http.Client, metricsURL string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s answered %d", metricsURL, resp.StatusCode)
	}
	n, err := metricValue(resp.Body, storedMetric)
	if errors.Is(err, errNoMetric) {
		err = fmt.Errorf("%w: no worker runs in the process that answered", err)
	}
	return n, err
}

var errNoMetric = errors.New("metric not found")

// metricValue reads an unlabelled sample from Prometheus' text format.
func metricValue(r io.Reader, name string) (float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), name+" ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return 0, fmt.Errorf("%s %q: %w", name, value, err)
		}
		return v, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("reading metrics: %w", err)
	}
	return 0, fmt.Errorf("%w: the metrics have no %s", errNoMetric, name)
}

// drain waits, polling every 50 ms for at most limit, until the workers
// have stored want records more than before. It returns how long that
// took after it was called and how many were stored by then.
func drain(ctx context.Context, client *http.Client, metricsURL string, before, want float64, limit time.Duration) (took time.Duration, stored float64, err error) {
	start := time.Now()
	for {
		now, err := storedRecords(ctx, client, metricsURL)
		if err != nil {
			return time.Since(start), 0, err
		}
		if stored = now - before; stored >= want || time.Since(start) >= limit || ctx.Err() != nil {
			return time.Since(start), stored, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}
