-- Every error event, deduplicated by its sort key when parts merge: a replayed
-- event has the same project, issue, timestamp and id, so readers that must
-- not see a replay twice use LIMIT 1 BY event_id (or FINAL).
CREATE TABLE IF NOT EXISTS events (
    project_id   UInt64,
    issue_id     UInt64,
    event_id     FixedString(32),
    timestamp    DateTime,
    timestamp_ms UInt16,
    received     DateTime,
    level        String,
    platform     String,
    environment  String,
    release      String,
    transaction  String,
    title        String,
    message      String,
    user_key     String,
    tags         Nested(key String, value String),
    -- The normalized event as JSON, zstd-compressed.
    payload      String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (project_id, issue_id, timestamp, event_id);
