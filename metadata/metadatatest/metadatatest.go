// Package metadatatest gives tests a migrated PostgreSQL store on the test
// database that `make test` starts.
package metadatatest

import (
	"errors"
	"net/url"
	"time"

	"context"
	"crypto/rand"
	"encoding/hex"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/faultline/faultline/metadata"
)

// URL returns FAULTLINE_TEST_DATABASE_URL. Without it the test is skipped,
// or fails when FAULTLINE_REQUIRE_SERVICES=1 (as under `make test`), so CI
// never passes by skipping.
func URL(t testing.TB) string {
	return ServiceURL(t, "FAULTLINE_TEST_DATABASE_URL")
}

// ServiceURL returns the named environment variable, skipping or failing
// the test when it is unset as URL describes.
func ServiceURL(t testing.TB, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		msg := env + " is not set: run `make test` to start PostgreSQL and ClickHouse and run this test against them"
		if os.Getenv("FAULTLINE_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return v
}

// Open returns a migrated store, closed when the test ends.
func Open(t testing.TB) *metadata.DB {
	t.Helper()
	ctx := context.Background()
	db, err := metadata.Open(ctx, URL(t), nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}

// Slug returns a slug no other test uses, so tests share one database
// without seeing each other's rows.
func Slug(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// Project bootstraps a fresh organization and project owned by a fresh user.
func Project(t testing.TB, db *metadata.DB, secret string) metadata.BootstrapResult {
	t.Helper()
	res, err := db.Bootstrap(context.Background(), metadata.BootstrapRequest{
		Email: Slug("user") + "@example.com", Password: "test-password", Org: Slug("org"), Project: Slug("proj"),
		SecretKey: secret,
	})
	if err != nil {
		t.Fatalf("bootstrap test project: %v", err)
	}
	return res
}

// OpenDatabase returns a migrated store on a database of its own, created
// beside the test database when missing: for tests of process-wide work
// (such as monitor leases) that other packages' tests, running at the same
// time, must not share.
func OpenDatabase(t testing.TB, name string) *metadata.DB {
	t.Helper()
	ctx := context.Background()
	u, err := url.Parse(URL(t))
	if err != nil {
		t.Fatalf("test database URL: %v", err)
	}
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	conn.Close(ctx)
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && pgErr.Code == "42P04") { // 42P04: exists already
		t.Fatalf("create database %s: %v", name, err)
	}
	u.Path = "/" + name
	db, err := metadata.Open(ctx, u.String(), nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open database %s: %v", name, err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate database %s: %v", name, err)
	}
	return db
}

// ForgetMonitorsSince deletes the monitors created since a time, so a test
// server's monitors stop being checked by the servers of later tests.
func ForgetMonitorsSince(t testing.TB, since time.Time) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, URL(t))
	if err != nil {
		t.Errorf("forget monitors: %v", err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DELETE FROM monitors WHERE created_at >= $1`, since); err != nil {
		t.Errorf("forget monitors: %v", err)
	}
}
