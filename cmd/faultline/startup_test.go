package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// A dependency that is missing or does not answer stops start-up with an
// error naming it.
func TestStartupNamesTheFailedDependency(t *testing.T) {
	good := config{
		Listen: "127.0.0.1:0", DatabaseURL: metadatatest.URL(t), ClickHouseURL: analyticstest.URL(t),
		DataDir: t.TempDir(), SecretKey: "startup-test",
	}
	cases := []struct {
		name   string
		change func(*config)
		want   string
	}{
		{"no secret key", func(c *config) { c.SecretKey = "" }, "FAULTLINE_SECRET_KEY is not set"},
		{"no database URL", func(c *config) { c.DatabaseURL = "" }, "postgres: no database URL set"},
		{"postgres down", func(c *config) { c.DatabaseURL = "postgres://faultline@127.0.0.1:1/faultline?connect_timeout=2" }, "postgres: connect to 127.0.0.1:1"},
		{"no clickhouse URL", func(c *config) { c.ClickHouseURL = "" }, "clickhouse: no ClickHouse URL set"},
		{"clickhouse down", func(c *config) { c.ClickHouseURL = "clickhouse://127.0.0.1:1/faultline" }, "clickhouse: connect to"},
		{"kafka down", func(c *config) { c.KafkaBrokers = "127.0.0.1:1" }, "kafka: connect to Kafka"},
		{"bad public URL", func(c *config) { c.URL = "ftp://x" }, "not an http(s) URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.change(&cfg)
			srv, err := startServer(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err == nil {
				_ = srv.stop()
				t.Fatalf("started; want an error containing %q", tc.want)
			}
			if line := oneLine(err); !strings.Contains(line, tc.want) || strings.Contains(line, "\n") {
				t.Fatalf("error %q; want one line containing %q", line, tc.want)
			}
		})
	}
}
