package analytics

import (
	"context"
	"fmt"
)

// EventByID returns the event with eventID (32 lowercase hex digits) among
// the given projects' events, or ErrNoEvent.
func (s *Store) EventByID(ctx context.Context, projectIDs []uint64, eventID string) (EventRow, error) {
	if len(projectIDs) == 0 {
		return EventRow{}, ErrNoEvent
	}
	rows, err := s.conn.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE project_id IN ? AND event_id = ? LIMIT 1`, projectSet(projectIDs), eventID)
	if err != nil {
		return EventRow{}, fmt.Errorf("look up event %s: %w", eventID, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return EventRow{}, fmt.Errorf("look up event %s: %w", eventID, err)
		}
		return EventRow{}, ErrNoEvent
	}
	return scanEvent(rows.Scan)
}
