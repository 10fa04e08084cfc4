package metadata

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// textIndexes are the trigram indexes that let a text search of the issue
// list read issue_texts by substring instead of every issue of a project.
var textIndexes = []struct{ name, column string }{
	{"issue_texts_title_trgm", "title"},
	{"issue_texts_culprit_trgm", "culprit"},
}

// textIndexPending caps the pending list of each trigram index: the new
// entries a GIN index keeps unsorted, to merge in bulk, and that every
// search reads in full. At PostgreSQL's default of 4 MB, a burst of 10,000
// new issues left ~480 pages of it per index; the planner, which prices
// each pending page as a random read, then took reading the titles of
// every project (104 ms at 110,000 issues) over the index (16 ms), as a
// text search did now and then under load. At 512 kB an index holds at
// most 64 pending pages. Merging more often costs inserts, where titles
// are random: 100,000 new issues with a hex hash in each title took 19 s
// to insert at 512 kB against 9 s at 4 MB (13 s at 1 MB, 23 s at 256 kB,
// 54 s with no pending list at all); with titles that share most of their
// words, as a project's do, 4-6 s at any size.
const textIndexPending = "gin_pending_list_limit=512"

// ensureTextIndexes builds the trigram indexes that are missing (or were
// left invalid by a build cut short) when pg_trgm is installed, without
// blocking writes, and says what to do when it is not. Text search works
// without them, reading more; so nothing here stops the server.
func (db *DB) ensureTextIndexes(ctx context.Context) {
	var installed bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')`).Scan(&installed); err != nil {
		db.log.Warn("issue text search: cannot tell whether pg_trgm is installed", "err", err)
		return
	}
	if !installed {
		db.log.Warn("issue text search reads every issue of a project: PostgreSQL's pg_trgm extension is not installed. " +
			"Run CREATE EXTENSION pg_trgm in this database as its owner or a superuser; the server builds its trigram indexes at its next start")
		return
	}
	// One server at a time, on one connection: an index another server is
	// building is invalid until it is done, and must not be taken for one
	// whose build was cut short.
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		db.log.Warn("issue text search: trigram indexes not checked", "err", err)
		return
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, textIndexLock); err != nil {
		db.log.Warn("issue text search: trigram indexes not checked", "err", err)
		return
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, textIndexLock) }()
	for _, ix := range textIndexes {
		if err := db.ensureTextIndex(ctx, conn.Conn(), ix.name, ix.column); err != nil {
			db.log.Warn("issue text search: a trigram index is missing or not set up; searches may read more until the server's next start sets it up",
				"index", ix.name, "err", err)
		}
	}
}

// textIndexLock is the advisory lock key under which servers build the
// trigram indexes.
const textIndexLock = 0x66746578 // "ftex"

func (db *DB) ensureTextIndex(ctx context.Context, conn *pgx.Conn, name, column string) error {
	var valid bool
	var options []string
	err := conn.QueryRow(ctx, `SELECT i.indisvalid, coalesce(c.reloptions, '{}') FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace`, name).Scan(&valid, &options)
	switch {
	case err == nil && valid && slices.Contains(options, textIndexPending):
		return nil
	case err == nil && valid: // built before its pending list was bounded
		return boundPendingList(ctx, conn, name)
	case err == nil: // a concurrent build that did not finish
		if _, err := conn.Exec(ctx, `DROP INDEX CONCURRENTLY IF EXISTS `+pgx.Identifier{name}.Sanitize()); err != nil {
			return fmt.Errorf("drop invalid index: %w", err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return err
	}
	db.log.Info("building a trigram index for issue text search", "index", name)
	_, err = conn.Exec(ctx, `CREATE INDEX CONCURRENTLY IF NOT EXISTS `+pgx.Identifier{name}.Sanitize()+
		` ON issue_texts USING gin (`+pgx.Identifier{column}.Sanitize()+` gin_trgm_ops) WITH (`+textIndexPending+`)`)
	return err
}

// boundPendingList sets an index's pending list to textIndexPending and
// merges what it holds beyond that now, rather than at the next insert.
// Waiting for a lock, it gives up after a while: the server starts
// anyway, and tries again at its next start.
func boundPendingList(ctx context.Context, conn *pgx.Conn, name string) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '10s'`); err != nil {
			return err
		}
		index := pgx.Identifier{name}.Sanitize()
		if _, err := tx.Exec(ctx, `ALTER INDEX `+index+` SET (`+textIndexPending+`)`); err != nil {
			return fmt.Errorf("bound the pending list: %w", err)
		}
		if _, err := tx.Exec(ctx, `SELECT gin_clean_pending_list($1::regclass)`, name); err != nil {
			return fmt.Errorf("merge the pending list: %w", err)
		}
		return nil
	})
}
