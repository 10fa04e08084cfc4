package analytics

import (
	"context"
	"fmt"
)

// Exec runs one statement; tests and benchmarks use it to shape data.
func (s *Store) Exec(ctx context.Context, sql string) error { return s.conn.Exec(ctx, sql) }

// CountRows counts a table's rows.
func (s *Store) CountRows(ctx context.Context, table string) (uint64, error) {
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}

// SQL is the statement a prepared table runs, for tests that check what
// reaches ClickHouse as text.
func (t *PreparedTable) SQL() string { return t.sql }
