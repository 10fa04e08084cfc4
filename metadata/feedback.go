package metadata

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Feedback is what a user wrote about a problem.
type Feedback struct {
	ID        int64
	RecordID  string // 32 hex digits, assigned by ingest; makes recording idempotent
	EventID   string // the event it is about, or ""
	IssueID   int64  // that event's issue, when known
	Name      string
	Email     string
	Comments  string
	CreatedAt time.Time
}

// RecordFeedback stores feedback; a replayed record is stored once. An
// item without IssueID gets it when its event is counted (linkFeedback).
func (db *DB) RecordFeedback(ctx context.Context, projectID int64, items []Feedback) error {
	if len(items) == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	for _, f := range items {
		var eventID *string
		if f.EventID != "" {
			eventID = &f.EventID
		}
		var issueID *int64
		if f.IssueID != 0 {
			issueID = &f.IssueID
		}
		// An issue merged since its event was stored hands the feedback on.
		batch.Queue(`INSERT INTO user_feedback (project_id, record_id, event_id, issue_id, name, email, comments, created_at)
			VALUES ($1, $2, $3, (SELECT COALESCE(merged_into, id) FROM issues WHERE id = $4 AND project_id = $1), $5, $6, $7, $8)
			ON CONFLICT (project_id, record_id) DO NOTHING`,
			projectID, f.RecordID, eventID, issueID, f.Name, f.Email, f.Comments, f.CreatedAt)
	}
	if err := db.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("record feedback: %w", err)
	}
	return nil
}

const feedbackColumns = `f.id, replace(f.record_id::text, '-', ''), COALESCE(replace(f.event_id::text, '-', ''), ''),
	COALESCE(f.issue_id, 0), f.name, f.email, f.comments, f.created_at`

func collectFeedback(rows pgx.Rows, err error) ([]Feedback, error) {
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Feedback, error) {
		var f Feedback
		err := r.Scan(&f.ID, &f.RecordID, &f.EventID, &f.IssueID, &f.Name, &f.Email, &f.Comments, &f.CreatedAt)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", err)
	}
	return out, nil
}

// ProjectFeedback lists a project's feedback, newest first.
func (db *DB) ProjectFeedback(ctx context.Context, projectID int64, limit, offset int) ([]Feedback, error) {
	return collectFeedback(db.pool.Query(ctx, `SELECT `+feedbackColumns+`
		FROM user_feedback f WHERE f.project_id = $1 ORDER BY f.created_at DESC, f.id DESC LIMIT $2 OFFSET $3`, projectID, limit, offset))
}

// IssueFeedback lists the feedback about an issue's events, newest first.
func (db *DB) IssueFeedback(ctx context.Context, projectID, issueID int64, limit, offset int) ([]Feedback, error) {
	return collectFeedback(db.pool.Query(ctx, `SELECT `+feedbackColumns+`
		FROM user_feedback f WHERE f.project_id = $1 AND f.issue_id = $2 ORDER BY f.created_at DESC, f.id DESC LIMIT $3 OFFSET $4`,
		projectID, issueID, limit, offset))
}

// linkFeedback gives the project's feedback about these events, stored
// before them, their issues.
func linkFeedback(ctx context.Context, tx pgx.Tx, projectID int64, eventIDs []string, issueIDs []int64) error {
	if _, err := tx.Exec(ctx, `UPDATE user_feedback f SET issue_id = u.i
		FROM unnest($2::uuid[], $3::bigint[]) AS u(e, i)
		WHERE f.project_id = $1 AND f.event_id = u.e AND f.issue_id IS NULL AND u.i <> 0`, projectID, eventIDs, issueIDs); err != nil {
		return fmt.Errorf("link feedback to issues: %w", err)
	}
	return nil
}
