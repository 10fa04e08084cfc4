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
		if err := s.conn.Exec(ctx, `ALTER TABLE `+table+` DELETE WHERE project_id = ?`, projectID); err != nil {
			return fmt.Errorf("purge project %d from %s: %w", projectID, table, err)
		}
	}
	return nil
}
