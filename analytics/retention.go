package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// dated are the tables partitioned by time (outcomes by month, the rest by
// day), with the column that dates a row.
var dated = map[string]string{"events": "timestamp", "transactions": "start", "spans": "start", "sessions": "started",
	"check_ins": "received", "outcomes": "timestamp", "monitor_checks": "checked"}

// DropPartitionsBefore drops every day partition older than cutoff's day
// from the dated tables — cheap, whole files, no rewrite — and returns how
// many it dropped. Running it twice drops nothing more.
func (s *Store) DropPartitionsBefore(ctx context.Context, cutoff time.Time) (int, error) {
	day, month := cutoff.UTC().Format("20060102"), cutoff.UTC().Format("200601")
	tables := make([]string, 0, 2*len(dated))
	for t := range dated {
		if t != "outcomes" {
			tables = append(tables, t, t+"_local")
		}
	}
	// outcomes is partitioned by month: a month goes once all of it is old.
	rows, err := s.conn.Query(ctx, `SELECT DISTINCT table, partition FROM system.parts
		WHERE database = currentDatabase() AND active AND ((table IN ? AND partition < ?) OR (table IN ('outcomes', 'outcomes_local') AND partition < ?))`,
		setOf(tables), day, month)
	if err != nil {
		return 0, fmt.Errorf("list old partitions: %w", err)
	}
	type part struct{ table, partition string }
	var parts []part
	for rows.Next() {
		var p part
		if err := rows.Scan(&p.table, &p.partition); err != nil {
			rows.Close()
			return 0, fmt.Errorf("list old partitions: %w", err)
		}
		parts = append(parts, p)
	}
	rows.Close()
	for i, p := range parts {
		// Partition names are toYYYYMMDD numbers read from system.parts, never user input.
		if err := s.conn.Exec(ctx, "ALTER TABLE "+s.localTable(strings.TrimSuffix(p.table, "_local"))+" DROP PARTITION "+p.partition); err != nil {
			return i, fmt.Errorf("drop partition %s of %s: %w", p.partition, p.table, err)
		}
	}
	return len(parts), nil
}

// DeleteProjectsBefore removes projects' rows older than cutoff, for
// organizations that keep less than the server's maximum. It is a
// ClickHouse mutation, rewriting parts in the background, issued only for
// the tables that hold such rows: a mutation rewrites parts whether or not
// a row matches (on 18.16, every part of the table), and every retention
// pass asked for one per organization and table, though after the first
// pass of a day there is seldom anything left to expire. Mutations queued
// by the hundred made a test's own delete wait past 90 s.
func (s *Store) DeleteProjectsBefore(ctx context.Context, projectIDs []uint64, cutoff time.Time) error {
	if len(projectIDs) == 0 {
		return nil
	}
	for table, col := range dated {
		if table == "monitor_checks" {
			continue // keyed by monitor, not project; the server-wide limit applies
		}
		var old uint64
		if err := s.conn.QueryRow(ctx, "SELECT count() FROM (SELECT 1 FROM "+table+" WHERE project_id IN ? AND "+col+" < ? LIMIT 1)",
			projectSet(projectIDs), cutoff.UTC()).Scan(&old); err != nil {
			return fmt.Errorf("expire %s: look for old rows: %w", table, err)
		}
		if old == 0 {
			continue
		}
		if err := s.conn.Exec(ctx, "ALTER TABLE "+s.localTable(table)+" DELETE WHERE project_id IN ? AND "+col+" < ?",
			projectSet(projectIDs), cutoff.UTC()); err != nil {
			return fmt.Errorf("expire %s: %w", table, err)
		}
	}
	return nil
}
