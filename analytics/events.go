package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
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
	UserEmail   string // the user's email, searched by user.email:
	TagKeys     []string
	TagValues   []string
	Payload     []byte // the normalized event as JSON, uncompressed

	// StoredPayload, when set, is Payload as CompressPayload stores it,
	// and Payload is not read. Rows read back carry Payload only.
	StoredPayload []byte
}

// InsertEvents writes rows in one INSERT. ClickHouse wants thousands of rows
// per insert, so callers batch; writing the same rows twice is harmless
// because readers deduplicate by event id.
func (s *Store) InsertEvents(ctx context.Context, rows []EventRow) error {
	if len(rows) == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, `INSERT INTO events (project_id, issue_id, event_id, timestamp,
		timestamp_ms, received, level, platform, environment, release, transaction, title, message, user_key,
		user_email, tags.key, tags.value, payload)`)
	if err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	defer batch.Abort()
	var buf []byte
	for i, r := range rows {
		if i > 0 && i%eventBlockRows == 0 {
			if err := batch.Flush(); err != nil {
				return fmt.Errorf("insert %d events: %w", len(rows), err)
			}
		}
		stored := r.StoredPayload
		if stored == nil {
			buf = CompressPayload(buf[:0], r.Payload)
			stored = buf
		}
		err := batch.Append(r.ProjectID, r.IssueID, r.EventID, r.Timestamp.UTC(), uint16(r.Timestamp.Nanosecond()/1e6),
			r.Received.UTC(), r.Level, r.Platform, r.Environment, r.Release, r.Transaction, r.Title, r.Message,
			r.UserKey, r.UserEmail, nonNil(r.TagKeys), nonNil(r.TagValues), stored)
		if err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d events: %w", len(rows), err)
	}
	return nil
}

// eventBlockRows is how many event rows one block of the INSERT carries:
// later blocks reuse the column buffers the first one grew (see
// spanBlockRows), where one block for a worker's batch grew its payloads
// to megabytes.
const eventBlockRows = 256

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
	e.Payload, err = ExpandPayload([]byte(payload))
	if err != nil {
		return e, fmt.Errorf("event %s: %w", e.EventID, err)
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

// StoredEventIDs returns how many rows each of a project's stored events
// has (more than one: a replay not yet merged), for checks that every
// accepted event arrived exactly once.
func (s *Store) StoredEventIDs(ctx context.Context, projectID uint64) (map[string]int, error) {
	rows, err := s.conn.Query(ctx, `SELECT event_id, toUInt64(count()) FROM events WHERE project_id = ? GROUP BY event_id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("list event ids: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n uint64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("list event ids: %w", err)
		}
		out[id] = int(n)
	}
	return out, rows.Err()
}

// ValidEventID reports whether id is 32 lowercase hex digits.
func ValidEventID(id string) bool {
	return len(id) == 32 && strings.Trim(id, "0123456789abcdef") == ""
}

// TagValueCount is one value of a tag and how many events carry it.
type TagValueCount struct {
	Value     string
	Count     uint64
	FirstSeen time.Time // of the first event with the value
	LastSeen  time.Time
}

// TagCounts is a tag key of an issue with its most frequent values.
type TagCounts struct {
	Key          string
	TotalCount   uint64
	UniqueValues uint64 // how many values the key has, top or not
	TopValues    []TagValueCount
}

// IssueTags returns an issue's tag keys (with environment, release and
// level among them) and each key's top values, most frequent first.
func (s *Store) IssueTags(ctx context.Context, projectID, issueID uint64, topN int) ([]TagCounts, error) {
	rows, err := s.conn.Query(ctx, `
		SELECT key, value, count() AS n, min(timestamp), max(timestamp) FROM (
			SELECT arrayJoin(arrayConcat(
				arrayMap((k, v) -> (k, v), tags.key, tags.value),
				[('environment', environment), ('release', release), ('level', level)])) AS kv,
				kv.1 AS key, kv.2 AS value, timestamp
			FROM (SELECT * FROM events WHERE project_id = ? AND issue_id = ? ORDER BY event_id LIMIT 1 BY event_id)
		) WHERE value != ''
		GROUP BY key, value ORDER BY key, n DESC, value`, projectID, issueID)
	if err != nil {
		return nil, fmt.Errorf("query issue tags: %w", err)
	}
	defer rows.Close()
	var out []TagCounts
	for rows.Next() {
		var key, value string
		var n uint64
		var first, last time.Time
		if err := rows.Scan(&key, &value, &n, &first, &last); err != nil {
			return nil, fmt.Errorf("read issue tags: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].Key != key {
			out = append(out, TagCounts{Key: key})
		}
		t := &out[len(out)-1]
		t.TotalCount += n
		t.UniqueValues++
		if len(t.TopValues) < topN {
			t.TopValues = append(t.TopValues, TagValueCount{Value: value, Count: n, FirstSeen: first.UTC(), LastSeen: last.UTC()})
		}
	}
	return out, rows.Err()
}

// IssueEvent returns one event of an issue by id, or ErrNoEvent.
func (s *Store) IssueEvent(ctx context.Context, projectID, issueID uint64, eventID string) (EventRow, error) {
	rows, err := s.conn.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE project_id = ? AND issue_id = ? AND event_id = ? LIMIT 1`, projectID, issueID, eventID)
	if err != nil {
		return EventRow{}, fmt.Errorf("query event: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return EventRow{}, fmt.Errorf("query event: %w", err)
		}
		return EventRow{}, ErrNoEvent
	}
	return scanEvent(rows.Scan)
}

// ErrNoEvent is returned when an event is not stored.
var ErrNoEvent = errors.New("no such event")

// OldestEvent returns an issue's first event.
func (s *Store) OldestEvent(ctx context.Context, projectID, issueID uint64) (EventRow, error) {
	rows, err := s.conn.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE project_id = ? AND issue_id = ? ORDER BY timestamp, timestamp_ms, event_id LIMIT 1`, projectID, issueID)
	if err != nil {
		return EventRow{}, fmt.Errorf("query oldest event: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		// A query that failed part way also ends Next: that is ClickHouse
		// failing, not the issue having no event.
		if err := rows.Err(); err != nil {
			return EventRow{}, fmt.Errorf("query oldest event: %w", err)
		}
		return EventRow{}, ErrNoEvent
	}
	return scanEvent(rows.Scan)
}

// Neighbours returns the ids of the events just before and after one event
// of an issue, in time order ("" when there is none).
func (s *Store) Neighbours(ctx context.Context, projectID, issueID uint64, e EventRow) (prev, next string, err error) {
	ms := uint16(e.Timestamp.Nanosecond() / 1e6)
	ts := e.Timestamp.Truncate(time.Second)
	q := func(cond, order string) (string, error) {
		var id string
		err := s.conn.QueryRow(ctx, `SELECT event_id FROM events WHERE project_id = ? AND issue_id = ? AND `+cond+`
			ORDER BY `+order+` LIMIT 1`, projectID, issueID, ts, ts, ms, ts, ms, e.EventID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return id, err
	}
	prev, err = q(`(timestamp < ? OR (timestamp = ? AND (timestamp_ms < ? OR (timestamp = ? AND timestamp_ms = ? AND event_id < ?))))`,
		"timestamp DESC, timestamp_ms DESC, event_id DESC")
	if err != nil {
		return "", "", fmt.Errorf("previous event: %w", err)
	}
	next, err = q(`(timestamp > ? OR (timestamp = ? AND (timestamp_ms > ? OR (timestamp = ? AND timestamp_ms = ? AND event_id > ?))))`,
		"timestamp, timestamp_ms, event_id")
	if err != nil {
		return "", "", fmt.Errorf("next event: %w", err)
	}
	return prev, next, nil
}

// ProjectValues lists the distinct values of a column (environment or
// release) in a project's events since a time, with their last use.
func (s *Store) ProjectValues(ctx context.Context, projectID uint64, column string, since time.Time) ([]TagValueCount, error) {
	if column != "environment" && column != "release" {
		return nil, fmt.Errorf("no such column %q", column)
	}
	rows, err := s.conn.Query(ctx, `SELECT `+column+`, count() FROM events
		WHERE project_id = ? AND timestamp >= ? AND `+column+` != '' GROUP BY `+column+` ORDER BY max(timestamp) DESC`,
		projectID, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("query %ss: %w", column, err)
	}
	defer rows.Close()
	var out []TagValueCount
	for rows.Next() {
		var v TagValueCount
		if err := rows.Scan(&v.Value, &v.Count); err != nil {
			return nil, fmt.Errorf("read %ss: %w", column, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Bucket is one time bucket of a count series.
type Bucket struct {
	Start time.Time
	Count uint64
}

// CountSeries counts a project's events (or one issue's, when issueID is
// not 0) in buckets of step since a time, filling empty buckets with 0.
func (s *Store) CountSeries(ctx context.Context, projectID, issueID uint64, since time.Time, step time.Duration) ([]Bucket, error) {
	secs := uint32(step / time.Second)
	if secs == 0 {
		return nil, fmt.Errorf("step %s is shorter than a second", step)
	}
	issueCond := ""
	args := []any{secs, secs, projectID, since.UTC()}
	if issueID != 0 {
		issueCond = " AND issue_id = ?"
		args = append(args, issueID)
	}
	rows, err := s.conn.Query(ctx, `SELECT toUInt64(intDiv(toUInt32(timestamp), ?) * ?) AS bucket, count()
		FROM events WHERE project_id = ? AND timestamp >= ?`+issueCond+`
		GROUP BY bucket ORDER BY bucket`, args...)
	if err != nil {
		return nil, fmt.Errorf("count series: %w", err)
	}
	defer rows.Close()
	counts := map[int64]uint64{}
	for rows.Next() {
		var b, n uint64
		if err := rows.Scan(&b, &n); err != nil {
			return nil, fmt.Errorf("count series: %w", err)
		}
		counts[int64(b)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count series: %w", err)
	}
	var out []Bucket
	start := since.Unix() / int64(secs) * int64(secs)
	for t := start; t <= time.Now().Unix(); t += int64(secs) {
		out = append(out, Bucket{Start: time.Unix(t, 0).UTC(), Count: counts[t]})
	}
	return out, nil
}

// IssueMinutes counts an issue's events per minute since a time, by when
// they were received, with the users of each minute: what an alert
// window needs to start from after a restart.
func (s *Store) IssueMinutes(ctx context.Context, projectID, issueID uint64, since time.Time) (map[int64]uint64, map[string]int64, error) {
	rows, err := s.conn.Query(ctx, `SELECT toInt64(toStartOfMinute(received)) AS m, count(), groupUniqArray(user_key)
		FROM events WHERE project_id = ? AND issue_id = ? AND received >= ? GROUP BY m`, projectID, issueID, since.UTC())
	if err != nil {
		return nil, nil, fmt.Errorf("query issue minutes: %w", err)
	}
	defer rows.Close()
	counts, users := map[int64]uint64{}, map[string]int64{}
	for rows.Next() {
		var m int64
		var n uint64
		var keys []string
		if err := rows.Scan(&m, &n, &keys); err != nil {
			return nil, nil, fmt.Errorf("read issue minutes: %w", err)
		}
		counts[m] = n
		for _, k := range keys {
			if k != "" && users[k] < m {
				users[k] = m
			}
		}
	}
	return counts, users, rows.Err()
}
