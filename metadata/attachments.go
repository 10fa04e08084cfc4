package metadata

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Attachment indexes a file sent with an event; its bytes are in the blob
// store under BlobKey.
type Attachment struct {
	ID          int64
	RecordID    string
	EventID     string
	Name        string
	ContentType string
	Type        string // event.attachment, event.minidump, event.view_hierarchy, ...
	Size        int64
	BlobKey     string
	CreatedAt   time.Time
}

// RecordAttachments indexes attachments; a replayed record is stored once.
func (db *DB) RecordAttachments(ctx context.Context, projectID int64, items []Attachment) error {
	if len(items) == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	for _, a := range items {
		batch.Queue(`INSERT INTO attachments (project_id, record_id, event_id, name, content_type, type, size, blob_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (project_id, record_id) DO NOTHING`,
			projectID, a.RecordID, a.EventID, a.Name, a.ContentType, a.Type, a.Size, a.BlobKey)
	}
	if err := db.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("record attachments: %w", err)
	}
	return nil
}

const attachmentColumns = `id, replace(record_id::text, '-', ''), replace(event_id::text, '-', ''), name, content_type,
	type, size, blob_key, created_at`

func scanAttachment(r pgx.Row) (Attachment, error) {
	var a Attachment
	err := r.Scan(&a.ID, &a.RecordID, &a.EventID, &a.Name, &a.ContentType, &a.Type, &a.Size, &a.BlobKey, &a.CreatedAt)
	return a, err
}

// EventAttachments lists an event's attachments in the order they came.
func (db *DB) EventAttachments(ctx context.Context, projectID int64, eventID string) ([]Attachment, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+attachmentColumns+` FROM attachments
		WHERE project_id = $1 AND event_id = $2 ORDER BY id`, projectID, eventID)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Attachment, error) { return scanAttachment(r) })
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	return out, nil
}

// GetAttachment returns one of a project's attachments.
func (db *DB) GetAttachment(ctx context.Context, projectID, id int64) (Attachment, error) {
	a, err := scanAttachment(db.pool.QueryRow(ctx, `SELECT `+attachmentColumns+` FROM attachments
		WHERE project_id = $1 AND id = $2`, projectID, id))
	if err != nil {
		return a, fmt.Errorf("get attachment %d: %w", id, notFound(err))
	}
	return a, nil
}
