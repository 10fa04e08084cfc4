// Package analyticstest gives tests a migrated ClickHouse store on the test
// database that `make test` starts.
package analyticstest

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"testing"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// URL returns FAULTLINE_TEST_CLICKHOUSE_URL, skipping or failing the test
// when it is unset (see metadatatest.ServiceURL).
func URL(t testing.TB) string {
	return metadatatest.ServiceURL(t, "FAULTLINE_TEST_CLICKHOUSE_URL")
}

// Open returns a migrated store, closed when the test ends.
func Open(t testing.TB) *analytics.Store {
	t.Helper()
	ctx := context.Background()
	s, err := analytics.Open(ctx, URL(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open test ClickHouse: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate test ClickHouse: %v", err)
	}
	return s
}

// OpenDatabase returns a migrated store on a database of its own, created
// when missing, for tests whose rows must not meet other tests' (ids from
// a database of their own, like OpenDatabase's in metadatatest).
func OpenDatabase(t testing.TB, name string) *analytics.Store {
	t.Helper()
	ctx := context.Background()
	u, err := url.Parse(URL(t))
	if err != nil {
		t.Fatalf("test ClickHouse URL: %v", err)
	}
	if err := analytics.CreateDatabase(ctx, u.String(), name); err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	s, err := analytics.Open(ctx, u.String(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open ClickHouse database %s: %v", name, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate ClickHouse database %s: %v", name, err)
	}
	return s
}
