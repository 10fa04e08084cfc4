package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// EventRow is one error event as stored in ClickHouse.
type EventRow struct {
	ProjectID   uint64
	IssueID     uint64
	EventID     string // 32 lowercase hex digits
	Timestamp   time.Time
	Received    time.Time
	Level       string
	Platform    string
	Environment string
	Release     string
	Transaction string
	Title       string
	Message     string
	UserKey     string
	TagKeys     []string
	TagValues   []string
	Payload     []byte // the normalized event as JSON, uncompressed
}

var (
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

// InsertEvents writes rows in one INSERT. ClickHouse wants thousands of rows
// per insert, so callers batch; writing the same rows twice is harmless
// because readers deduplicate by event id.
func (s *Store) InsertEvents(ctx context.Context, rows []EventRow) error {
	if len(rows) == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, `INSERT INTO events (project_id, issue_id, event_id, timestamp,
		timestamp_ms, received, level, platform, environment, release, transaction, title, message, user_key,
		tags.key, tags.value, payload)`)
	if err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	defer batch.Abort()
	var buf []byte
	for _, r := range rows {
		buf = encoder.EncodeAll(r.Payload, buf[:0])
		err := batch.Append(r.ProjectID, r.IssueID, r.EventID, r.Timestamp.UTC(), uint16(r.Timestamp.Nanosecond()/1e6),
			r.Received.UTC(), r.Level, r.Platform, r.Environment, r.Release, r.Transaction, r.Title, r.Message,
			r.UserKey, nonNil(r.TagKeys), nonNil(r.TagValues), string(buf))
		if err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d events: %w", len(rows), err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const eventColumns = `project_id, issue_id, event_id, timestamp, timestamp_ms, received, level, platform,
	environment, release, transaction, title, message, user_key, tags.key, tags.value, payload`

func scanEvent(scan func(dest ...any) error) (EventRow, error) {
	var e EventRow // Payload comes back decompressed
	var ms uint16
	var payload string
	err := scan(&e.ProjectID, &e.IssueID, &e.EventID, &e.Timestamp, &ms, &e.Received, &e.Level, &e.Platform,
		&e.Environment, &e.Release, &e.Transaction, &e.Title, &e.Message, &e.UserKey, &e.TagKeys, &e.TagValues, &payload)
	if err != nil {
		return e, err
	}
	e.Timestamp = e.Timestamp.Add(time.Duration(ms) * time.Millisecond).UTC()
	e.Received = e.Received.UTC()
	e.Payload, err = decoder.DecodeAll([]byte(payload), nil)
	if err != nil {
		return e, fmt.Errorf("decompress event %s: %w", e.EventID, err)
	}
	return e, nil
}

// IssueEvents returns an issue's events, newest first, each once.
func (s *Store) IssueEvents(ctx context.Context, projectID, issueID uint64, limit, offset int) ([]EventRow, error) {
	rows, err := s.conn.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE project_id = ? AND issue_id = ?
		ORDER BY timestamp DESC, timestamp_ms DESC, event_id
		LIMIT 1 BY event_id
		LIMIT ?, ?`, projectID, issueID, offset, limit)
	if err != nil {
		return nil, fmt.Errorf("query issue events: %w", err)
	}
	defer rows.Close()
	var out []EventRow
	for rows.Next() {
		e, err := scanEvent(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("read issue events: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read issue events: %w", err)
	}
	return out, nil
}

// IssueUserCounts returns how many distinct users each issue has seen.
func (s *Store) IssueUserCounts(ctx context.Context, projectID uint64, issueIDs []uint64) (map[uint64]uint64, error) {
	out := make(map[uint64]uint64, len(issueIDs))
	if len(issueIDs) == 0 {
		return out, nil
	}
	rows, err := s.conn.Query(ctx, `SELECT issue_id, uniqCombined(user_key) FROM events
		WHERE project_id = ? AND has(?, issue_id) AND user_key != ''
		GROUP BY issue_id`, projectID, issueIDs)
	if err != nil {
		return nil, fmt.Errorf("count issue users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, n uint64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count issue users: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// EventCounts returns, for a project, how many distinct events are stored and
// how many rows hold them (more rows than events means replays not yet merged).
func (s *Store) EventCounts(ctx context.Context, projectID uint64) (events, rows uint64, err error) {
	err = s.conn.QueryRow(ctx, `SELECT uniqExact(event_id), count() FROM events WHERE project_id = ?`, projectID).
		Scan(&events, &rows)
	if err != nil {
		return 0, 0, fmt.Errorf("count events: %w", err)
	}
	return events, rows, nil
}

// ValidEventID reports whether id is 32 lowercase hex digits.
func ValidEventID(id string) bool {
	return len(id) == 32 && strings.Trim(id, "0123456789abcdef") == ""
}
