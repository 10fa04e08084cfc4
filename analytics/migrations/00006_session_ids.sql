-- Release health counts each session once and by its last update: updates
-- keep the SDK's session id (sid) and their order (seq, or the update's
-- timestamp in milliseconds when the SDK sends no seq). Aggregates and
-- rows written before this leave session_id empty.
ALTER TABLE sessions ADD COLUMN session_id String;
ALTER TABLE sessions ADD COLUMN seq UInt64;
