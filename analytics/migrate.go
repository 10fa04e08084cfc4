package analytics

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// A migration is one numbered SQL file. Statements are separated by a
// semicolon at the end of a line, since the native protocol takes one
// statement at a time. Each statement must be idempotent (IF NOT EXISTS):
// two processes starting together may both apply a migration.
type migration struct {
	version    uint32
	name       string
	statements []string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		version, err := strconv.ParseUint(num, 10, 32)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", e.Name())
		}
		body, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: uint32(version), name: e.Name(), statements: splitStatements(string(body))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

func splitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") || trimmed == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// Migrate applies the pending schema migrations and reports how many ran.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	migrations, err := loadMigrations()
	if err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	if err := s.conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version UInt32, name String, applied_at DateTime DEFAULT now()
	) ENGINE = MergeTree() ORDER BY version`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[uint32]bool{}
	rows, err := s.conn.Query(ctx, `SELECT DISTINCT version FROM schema_migrations`)
	if err != nil {
		return 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return 0, fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	n := 0
	for _, m := range migrations {
		if applied[m.version] {
			continue
		}
		for _, stmt := range m.statements {
			stmts := []string{stmt}
			if s.cluster != "" {
				if stmts, err = ClusterDDL(stmt, s.cluster); err != nil {
					return n, err
				}
			}
			for _, st := range stmts {
				if err := s.execMigration(ctx, st); err != nil {
					return n, fmt.Errorf("migration %s: %w", m.name, err)
				}
			}
		}
		if err := s.recordMigration(ctx, m); err != nil {
			return n, fmt.Errorf("record migration %s: %w", m.name, err)
		}
		s.log.Info("clickhouse migration applied", "version", m.version, "file", m.name)
		n++
	}
	return n, nil
}

// addColumn is a migration's ALTER TABLE ... ADD COLUMN.
var addColumn = regexp.MustCompile(`^ALTER TABLE (\w+)(?: ON CLUSTER \w+)? ADD COLUMN (\w+) `)

// execMigration runs one migration statement. ClickHouse 18.16 knows no
// ADD COLUMN IF NOT EXISTS, so an ADD COLUMN that failed because the column
// is there (another process starting at once added it) is done.
func (s *Store) execMigration(ctx context.Context, stmt string) error {
	err := s.conn.Exec(ctx, stmt)
	if err == nil {
		return nil
	}
	if m := addColumn.FindStringSubmatch(stmt); m != nil {
		var n uint64
		if s.conn.QueryRow(ctx, `SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = ? AND name = ?`,
			m[1], m[2]).Scan(&n) == nil && n > 0 {
			return nil
		}
	}
	return err
}

// recordMigration inserts through a batch: ClickHouse 18.16 does not answer
// an INSERT ... VALUES with bound parameters sent as a plain query.
func (s *Store) recordMigration(ctx context.Context, m migration) error {
	batch, err := s.conn.PrepareBatch(ctx, `INSERT INTO schema_migrations (version, name, applied_at)`)
	if err != nil {
		return err
	}
	if err := batch.Append(m.version, m.name, time.Now().UTC()); err != nil {
		return err
	}
	return batch.Send()
}
