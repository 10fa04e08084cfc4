-- Every uptime check's result, for uptime percentages, response-time
-- percentiles and the status strips.
CREATE TABLE IF NOT EXISTS monitor_checks (
    monitor_id   UInt64,
    org_id       UInt64,
    checked      DateTime,
    checked_ms   UInt16,
    is_up        UInt8,
    response_ms  Float64,
    status_code  UInt16,
    reason       String
) ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(checked)
ORDER BY (monitor_id, checked);
