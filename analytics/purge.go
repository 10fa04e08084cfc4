package analytics

import (
	"context"
	"fmt"
)

// projectTables are the tables that hold rows per project.
var projectTables = []string{"events", "transactions", "spans", "sessions", "check_ins", "outcomes"}

// PurgeProject starts deleting every row of a project. ClickHouse deletes
// in the background (a mutation), so rows disappear shortly after.
func (s *Store) PurgeProject(ctx context.Context, projectID uint64) error {
	for _, table := range projectTables {
		if err := s.conn.Exec(ctx, `ALTER TABLE `+s.localTable(table)+` DELETE WHERE project_id = ?`, projectID); err != nil {
			return fmt.Errorf("purge project %d from %s: %w", projectID, table, err)
		}
	}
	return nil
}

// MoveEvents copies a project's events of some issues to another issue.
// The copies have new sort keys, so both sets are stored until DropEvents.
// Events the target issue already holds are not copied again, so running
// it twice (a merge job that stopped before recording its work) stores
// nothing twice. GLOBAL runs the subquery once, also over a cluster's
// Distributed table.
func (s *Store) MoveEvents(ctx context.Context, projectID uint64, from []uint64, to uint64) error {
	err := s.conn.Exec(ctx, `INSERT INTO events (project_id, issue_id, event_id, timestamp, timestamp_ms, received, level,
			platform, environment, release, transaction, title, message, user_key, user_email, tags.key, tags.value, payload)
		SELECT project_id, ?, event_id, timestamp, timestamp_ms, received, level, platform, environment, release,
			transaction, title, message, user_key, user_email, tags.key, tags.value, payload
		FROM events WHERE project_id = ? AND has(?, issue_id)
			AND event_id GLOBAL NOT IN (SELECT event_id FROM events WHERE project_id = ? AND issue_id = ?)`,
		to, projectID, from, projectID, to)
	if err != nil {
		return fmt.Errorf("move events: %w", err)
	}
	return nil
}

// DropEvents deletes (in the background) a project's events of some issues.
func (s *Store) DropEvents(ctx context.Context, projectID uint64, issues []uint64) error {
	if err := s.conn.Exec(ctx, `ALTER TABLE `+s.localTable("events")+` DELETE WHERE project_id = ? AND has(?, issue_id)`, projectID, issues); err != nil {
		return fmt.Errorf("drop events: %w", err)
	}
	return nil
}
