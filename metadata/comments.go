package metadata

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Comment is a note on an issue.
type Comment struct {
	ID        int64
	UserID    int64 // the author; 0 once their account is gone
	UserEmail string
	Text      string
	CreatedAt time.Time
}

// AddComment notes text on an issue, and in its activity.
func (db *DB) AddComment(ctx context.Context, issueID, userID int64, text string) (Comment, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 10000 {
		return Comment{}, invalid("a comment needs 1 to 10000 characters of text")
	}
	c := Comment{Text: text}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO issue_comments (issue_id, user_id, text) VALUES ($1, $2, $3)
			RETURNING id, COALESCE(user_id, 0), created_at, (SELECT email FROM users WHERE id = $2)`, issueID, userID, text).
			Scan(&c.ID, &c.UserID, &c.CreatedAt, &c.UserEmail); err != nil {
			return err
		}
		return addActivity(ctx, tx, []int64{issueID}, userID, "note", map[string]any{"text": text})
	})
	if err != nil {
		return c, fmt.Errorf("add comment: %w", err)
	}
	return c, nil
}

// Comments lists an issue's notes, newest first.
func (db *DB) Comments(ctx context.Context, issueID int64) ([]Comment, error) {
	rows, err := db.pool.Query(ctx, `SELECT c.id, COALESCE(c.user_id, 0), COALESCE(u.email, ''), c.text, c.created_at
		FROM issue_comments c LEFT JOIN users u ON u.id = c.user_id WHERE c.issue_id = $1 ORDER BY c.id DESC LIMIT 200`, issueID)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Comment, error) {
		var c Comment
		err := r.Scan(&c.ID, &c.UserID, &c.UserEmail, &c.Text, &c.CreatedAt)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	return out, nil
}

// IssueComment returns one comment of an issue, or ErrNotFound.
func (db *DB) IssueComment(ctx context.Context, issueID, commentID int64) (Comment, error) {
	var c Comment
	err := db.pool.QueryRow(ctx, `SELECT c.id, COALESCE(c.user_id, 0), COALESCE(u.email, ''), c.text, c.created_at
		FROM issue_comments c LEFT JOIN users u ON u.id = c.user_id WHERE c.issue_id = $1 AND c.id = $2`, issueID, commentID).
		Scan(&c.ID, &c.UserID, &c.UserEmail, &c.Text, &c.CreatedAt)
	if err != nil {
		return c, fmt.Errorf("get comment %d: %w", commentID, notFound(err))
	}
	return c, nil
}

// EditComment replaces a comment's text.
func (db *DB) EditComment(ctx context.Context, issueID, commentID int64, text string) (Comment, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 10000 {
		return Comment{}, invalid("a comment needs 1 to 10000 characters of text")
	}
	tag, err := db.pool.Exec(ctx, `UPDATE issue_comments SET text = $3 WHERE issue_id = $1 AND id = $2`, issueID, commentID, text)
	if err != nil {
		return Comment{}, fmt.Errorf("edit comment: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return Comment{}, fmt.Errorf("edit comment %d: %w", commentID, ErrNotFound)
	}
	return db.IssueComment(ctx, issueID, commentID)
}

// DeleteComment removes a comment of an issue.
func (db *DB) DeleteComment(ctx context.Context, issueID, commentID int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM issue_comments WHERE issue_id = $1 AND id = $2`, issueID, commentID)
	if err != nil {
		return fmt.Errorf("delete comment: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete comment %d: %w", commentID, ErrNotFound)
	}
	return nil
}
