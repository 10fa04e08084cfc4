-- +goose Up
-- A merged issue points at the issue that took its events; new events with
-- its fingerprint go there too.
ALTER TABLE issues ADD COLUMN merged_into bigint REFERENCES issues (id) ON DELETE CASCADE;

-- +goose Down
ALTER TABLE issues DROP COLUMN merged_into;
