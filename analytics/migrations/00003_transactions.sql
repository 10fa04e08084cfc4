-- Transactions and their spans, raw (never sampled away by Faultline), for
-- performance summaries. Replays have the same sort key and collapse when
-- parts merge; readers use FINAL or LIMIT 1 BY event_id.
CREATE TABLE IF NOT EXISTS transactions (
    project_id   UInt64,
    event_id     FixedString(32),
    trace_id     String,
    span_id      String,
    name         String,
    op           String,
    method       String,
    status       String,
    http_status  UInt16,
    start        DateTime,
    start_ms     UInt16,
    duration_ms  Float64,
    platform     String,
    release      String,
    environment  String,
    user_key     String,
    tags         Nested(key String, value String),
    measurements Nested(name String, value Float64)
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMMDD(start)
ORDER BY (project_id, name, start, event_id);

CREATE TABLE IF NOT EXISTS spans (
    project_id     UInt64,
    transaction_id FixedString(32),
    trace_id       String,
    span_id        String,
    parent_span_id String,
    transaction    String,
    op             String,
    description    String,
    status         String,
    start          DateTime,
    start_ms       UInt16,
    duration_ms    Float64,
    self_time_ms   Float64
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMMDD(start)
ORDER BY (project_id, transaction, op, start, transaction_id, span_id);
