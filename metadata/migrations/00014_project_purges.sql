-- +goose Up
-- Deleted projects whose ClickHouse rows a background job still has to
-- remove.
CREATE TABLE project_purges (
    project_id bigint PRIMARY KEY,
    deleted_at timestamptz NOT NULL DEFAULT now(),
    purged_at  timestamptz
);

-- +goose Down
DROP TABLE project_purges;
