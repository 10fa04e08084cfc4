-- +goose Up
-- A DSN key may be limited to rate_limit_count events per rate_limit_window
-- seconds; NULL means unlimited.
ALTER TABLE project_keys ADD COLUMN rate_limit_count integer CHECK (rate_limit_count >= 0);
ALTER TABLE project_keys ADD COLUMN rate_limit_window integer CHECK (rate_limit_window > 0);

-- +goose Down
ALTER TABLE project_keys DROP COLUMN rate_limit_window;
ALTER TABLE project_keys DROP COLUMN rate_limit_count;
