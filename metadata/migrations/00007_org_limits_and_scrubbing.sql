-- +goose Up
-- An organization may be limited to rate_limit_count events per
-- rate_limit_window seconds across all its keys; NULL means unlimited.
ALTER TABLE organizations ADD COLUMN rate_limit_count integer CHECK (rate_limit_count >= 0);
ALTER TABLE organizations ADD COLUMN rate_limit_window integer CHECK (rate_limit_window > 0);
-- Data scrubbing is on unless a project turns it off.
ALTER TABLE projects ADD COLUMN scrub_data boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE projects DROP COLUMN scrub_data;
ALTER TABLE organizations DROP COLUMN rate_limit_window;
ALTER TABLE organizations DROP COLUMN rate_limit_count;
