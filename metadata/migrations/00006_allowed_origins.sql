-- +goose Up
-- Browser origins a project accepts events from: exact origins
-- (https://shop.example.com), hosts (shop.example.com) or host wildcards
-- (*.example.com). Empty means every origin.
ALTER TABLE projects ADD COLUMN allowed_origins text[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE projects DROP COLUMN allowed_origins;
