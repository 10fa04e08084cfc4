-- +goose Up
-- An organization may keep its events for less than the server's maximum.
ALTER TABLE organizations ADD COLUMN event_retention_days integer CHECK (event_retention_days >= 1);
CREATE INDEX processed_events_age ON processed_events (processed_at);
CREATE INDEX issues_last_seen ON issues (last_seen);

-- +goose Down
DROP INDEX issues_last_seen;
DROP INDEX processed_events_age;
ALTER TABLE organizations DROP COLUMN event_retention_days;
