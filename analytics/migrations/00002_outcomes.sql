-- What became of every item ingest saw, per project, category and minute:
-- accepted, rate_limited, invalid, filtered or client_discard, with a reason.
-- Each flush from an ingest process has its own batch_id, so a replayed flush
-- collapses into one row when parts merge; readers use FINAL.
CREATE TABLE IF NOT EXISTS outcomes (
    project_id UInt64,
    timestamp  DateTime,
    category   String,
    outcome    String,
    reason     String,
    batch_id   FixedString(32),
    quantity   UInt64
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project_id, timestamp, category, outcome, reason, batch_id);
