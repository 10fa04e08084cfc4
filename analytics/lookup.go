package analytics

import (
	"context"
	"database/sql"
	"errors"
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

// EventIssue returns the issue a project's stored event was grouped into,
// or ErrNoEvent. It reads one column, for callers that need no more.
func (s *Store) EventIssue(ctx context.Context, projectID uint64, eventID string) (uint64, error) {
	var issueID uint64
	err := s.conn.QueryRow(ctx, `SELECT issue_id FROM events WHERE project_id = ? AND event_id = ? LIMIT 1`,
		projectID, eventID).Scan(&issueID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoEvent
	}
	if err != nil {
		return 0, fmt.Errorf("look up event %s: %w", eventID, err)
	}
	return issueID, nil
}
