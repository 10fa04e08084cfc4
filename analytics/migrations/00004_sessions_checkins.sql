-- Release health: one row per session update, or per status of an aggregate.
-- record_id is assigned by ingest per item, so replays collapse on merge.
CREATE TABLE IF NOT EXISTS sessions (
    project_id  UInt64,
    record_id   FixedString(32),
    started     DateTime,
    release     String,
    environment String,
    status      String,
    init        UInt8,
    errors      UInt32,
    duration_ms Float64,
    distinct_id String,
    quantity    UInt32
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMMDD(started)
ORDER BY (project_id, release, started, record_id, status);

-- Cron check-ins as they arrive; the monitors read them.
CREATE TABLE IF NOT EXISTS check_ins (
    project_id     UInt64,
    record_id      FixedString(32),
    check_in_id    String,
    monitor_slug   String,
    status         String,
    duration_ms    Float64,
    environment    String,
    release        String,
    received       DateTime,
    monitor_config String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMMDD(received)
ORDER BY (project_id, monitor_slug, received, record_id);
