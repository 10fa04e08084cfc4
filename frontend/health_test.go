package frontend

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// Health answers name a failed dependency without its error text, which
// holds addresses and paths, unless details are on; the text is logged.
func TestHealthHidesErrorText(t *testing.T) {
	refused := errors.New("dial tcp 10.20.30.40:9000: connect: connection refused")
	diskErr := errors.New("broker disk: 180 MiB free under /var/lib/faultline/broker, below the 1 GiB minimum")
	checks := []Check{
		{Name: "clickhouse", Ping: func(context.Context) error { return refused }},
		{Name: "postgres", Ping: func(context.Context) error { return nil }},
		{Name: "broker_disk", Ping: func(context.Context) error { return diskErr },
			Reason: func(error) string { return "free space below the minimum" }},
	}
	for _, tc := range []struct {
		opts OpsOptions
		want string
	}{
		{OpsOptions{}, `{"failed":{"broker_disk":"free space below the minimum","clickhouse":"unavailable"},"status":"unavailable"}`},
		{OpsOptions{Details: true}, `{"failed":{"broker_disk":"` + diskErr.Error() + `","clickhouse":"` + refused.Error() + `"},"status":"unavailable"}`},
	} {
		var logged bytes.Buffer
		app := fiber.New()
		RegisterOps(app, checks, nil, tc.opts, slog.New(slog.NewTextHandler(&logged, nil)))
		for _, path := range []string{"/.well-known/healthz", "/_health/", "/.well-known/ready"} {
			resp, err := app.Test(httptest.NewRequest("GET", path, nil), -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != fiber.StatusServiceUnavailable || string(body) != tc.want {
				t.Errorf("%s with %+v: %d %s\nwant 503 %s", path, tc.opts, resp.StatusCode, body, tc.want)
			}
		}
		if n := strings.Count(logged.String(), "10.20.30.40:9000"); n != 1 {
			t.Errorf("the ClickHouse error was logged %d times over three probes, want once:\n%s", n, logged.String())
		}
	}
}

func TestFailureLogOncePerMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logged bytes.Buffer
		l := &failureLog{log: slog.New(slog.NewTextHandler(&logged, nil)), every: time.Minute, last: map[string]time.Time{}}
		l.record("kafka", errors.New("k1"))
		l.record("kafka", errors.New("k2"))
		l.record("postgres", errors.New("p1"))
		time.Sleep(59 * time.Second)
		l.record("kafka", errors.New("k3"))
		time.Sleep(time.Second)
		l.record("kafka", errors.New("k4"))
		got := logged.String()
		for want, n := range map[string]int{"err=k1": 1, "err=k2": 0, "err=p1": 1, "err=k3": 0, "err=k4": 1} {
			if strings.Count(got, want) != n {
				t.Errorf("%q logged %d times, want %d:\n%s", want, strings.Count(got, want), n, got)
			}
		}
	})
}

// /metrics serves the registry it is given: two apps in one process each
// expose their own counts.
func TestMetricsServeTheirOwnRegistry(t *testing.T) {
	scrape := func(app *fiber.App) string {
		t.Helper()
		resp, err := app.Test(httptest.NewRequest("GET", "/metrics", nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != fiber.StatusOK {
			t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
		}
		return string(body)
	}
	newApp := func() *fiber.App {
		reg := prometheus.NewRegistry()
		app := fiber.New()
		app.Use(Recover(reg, slog.New(slog.DiscardHandler)))
		app.Get("/boom/", func(*fiber.Ctx) error { panic("boom") })
		RegisterOps(app, nil, nil, OpsOptions{Metrics: reg}, slog.New(slog.DiscardHandler))
		return app
	}
	a, b := newApp(), newApp()
	if _, err := a.Test(httptest.NewRequest("GET", "/boom/", nil), -1); err != nil {
		t.Fatal(err)
	}
	if got := scrape(a); !strings.Contains(got, "faultline_http_panics_total 1\n") {
		t.Errorf("first app's /metrics lacks its panic:\n%s", got)
	}
	if got := scrape(b); !strings.Contains(got, "faultline_http_panics_total 0\n") {
		t.Errorf("second app's /metrics should count no panic:\n%s", got)
	}
}
