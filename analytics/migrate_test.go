package analytics_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

func TestMigrateTwiceAppliesNothing(t *testing.T) {
	s := analyticstest.Open(t) // migrates once
	n, err := s.Migrate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("second migration applied %d migrations, want 0", n)
	}
}

// A column another process added first (ClickHouse 18.16 has no ADD
// COLUMN IF NOT EXISTS) does not stop the migration that adds it.
func TestMigrateAddsColumnsAlreadyThere(t *testing.T) {
	ctx := context.Background()
	name := fmt.Sprintf("faultline_test_addcolumn_%d", time.Now().UnixNano())
	u, err := url.Parse(analyticstest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := analytics.CreateDatabase(ctx, u.String(), name); err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	s, err := analytics.Open(ctx, u.String(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	defer func() { _ = s.Exec(ctx, "DROP DATABASE IF EXISTS "+name) }()
	if err := s.Exec(ctx, `CREATE TABLE sessions (project_id UInt64, record_id FixedString(32), started DateTime,
		release String, environment String, status String, init UInt8, errors UInt32, duration_ms Float64,
		distinct_id String, quantity UInt32, session_id String, seq UInt64)
		ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMMDD(started) ORDER BY (project_id, release, started, record_id, status)`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrating over columns already added: %v", err)
	}
}
