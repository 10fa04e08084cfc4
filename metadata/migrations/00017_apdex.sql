-- +goose Up
-- The response time (ms) under which a transaction satisfies its user (Apdex T).
ALTER TABLE projects ADD COLUMN apdex_threshold_ms integer NOT NULL DEFAULT 300 CHECK (apdex_threshold_ms > 0);

-- +goose Down
ALTER TABLE projects DROP COLUMN apdex_threshold_ms;
