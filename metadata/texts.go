package metadata

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// textIndexes are the trigram indexes that let a text search of the issue
// list read issue_texts by substring instead of every issue of a project.
var textIndexes = []struct{ name, column string }{
	{"issue_texts_title_trgm", "title"},
	{"issue_texts_culprit_trgm", "culprit"},
}

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
			db.log.Warn("issue text search: trigram index not built; searches read more until it is", "index", ix.name, "err", err)
		}
	}
}

// textIndexLock is the advisory lock key under which servers build the
// trigram indexes.
const textIndexLock = 0x66746578 // "ftex"

func (db *DB) ensureTextIndex(ctx context.Context, conn *pgx.Conn, name, column string) error {
	var valid *bool
	err := conn.QueryRow(ctx, `SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace`, name).Scan(&valid)
	switch {
	case err == nil && *valid:
		return nil
	case err == nil: // a concurrent build that did not finish
		if _, err := conn.Exec(ctx, `DROP INDEX CONCURRENTLY IF EXISTS `+pgx.Identifier{name}.Sanitize()); err != nil {
			return fmt.Errorf("drop invalid index: %w", err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return err
	}
	db.log.Info("building a trigram index for issue text search", "index", name)
	_, err = conn.Exec(ctx, `CREATE INDEX CONCURRENTLY IF NOT EXISTS `+pgx.Identifier{name}.Sanitize()+
		` ON issue_texts USING gin (`+pgx.Identifier{column}.Sanitize()+` gin_trgm_ops)`)
	return err
}
