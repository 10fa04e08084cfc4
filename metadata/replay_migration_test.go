package metadata

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

// Feedback found its issue through processed_events; the migration that
// drops that table gives each piece of feedback its issue first, and
// going back restores the links.
func TestReplayMarksMigrationKeepsFeedbackIssues(t *testing.T) {
	base := os.Getenv("FAULTLINE_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("FAULTLINE_REQUIRE_SERVICES") == "1" {
			t.Fatal("FAULTLINE_TEST_DATABASE_URL is not set: run `make test`")
		}
		t.Skip("FAULTLINE_TEST_DATABASE_URL is not set: run `make test`")
	}
	ctx := context.Background()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("faultline_migration_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)")
	u.Path = "/" + name
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, stdlib.OpenDBFromPool(pool), files)
	if err != nil {
		t.Fatal(err)
	}
	const before, marks = 38, 39
	if _, err := provider.UpTo(ctx, before); err != nil {
		t.Fatal(err)
	}
	const linked, unlinked = "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b"
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Feedback rows without the organization, project and issue rows
	// their foreign keys want: the migration reads none of them.
	_, err = conn.Exec(ctx, `SET session_replication_role = replica;
		INSERT INTO user_feedback (project_id, record_id, event_id, comments, created_at) VALUES
			(7, gen_random_uuid(), '`+linked+`', 'found', now()), (7, gen_random_uuid(), '`+unlinked+`', 'not yet', now());
		INSERT INTO processed_events (project_id, event_id, issue_id) VALUES (7, '`+linked+`', 42);
		SET session_replication_role = DEFAULT`)
	conn.Release()
	if err != nil {
		t.Fatal(err)
	}

	if _, err := provider.UpTo(ctx, marks); err != nil {
		t.Fatal(err)
	}
	issues := map[string]*int64{}
	rows, err := pool.Query(ctx, `SELECT event_id::text, issue_id FROM user_feedback`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var event string
		var issue *int64
		if err := rows.Scan(&event, &issue); err != nil {
			t.Fatal(err)
		}
		issues[event] = issue
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got := issues[linked]; got == nil || *got != 42 {
		t.Errorf("feedback whose event was counted: issue %v, want 42", got)
	}
	if got, ok := issues[unlinked]; !ok || got != nil {
		t.Errorf("feedback whose event was not counted: issue %v (present %v), want none", got, ok)
	}

	if _, err := provider.DownTo(ctx, before); err != nil {
		t.Fatal(err)
	}
	var issue int64
	if err := pool.QueryRow(ctx, `SELECT issue_id FROM processed_events WHERE event_id = $1`, linked).Scan(&issue); err != nil || issue != 42 {
		t.Errorf("after going back, the event's issue: %d, %v; want 42", issue, err)
	}
}
