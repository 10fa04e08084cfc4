-- +goose Up
-- When a resolved issue sees a new event it is unresolved again and marked as
-- a regression, with the time it happened.
ALTER TABLE issues ADD COLUMN regressed_at timestamptz;
ALTER TABLE issues ADD COLUMN resolved_at timestamptz;

-- +goose Down
ALTER TABLE issues DROP COLUMN resolved_at;
ALTER TABLE issues DROP COLUMN regressed_at;
