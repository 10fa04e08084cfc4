-- +goose Up
-- Files sent with events (logs, minidumps, screenshots). The bytes live in
-- the blob store under blob_key; this is the index.
CREATE TABLE attachments (
    id           bigserial PRIMARY KEY,
    project_id   bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    record_id    uuid NOT NULL,
    event_id     uuid NOT NULL,
    name         text NOT NULL,
    content_type text NOT NULL,
    type         text NOT NULL,
    size         bigint NOT NULL,
    blob_key     text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, record_id)
);
CREATE INDEX attachments_event ON attachments (project_id, event_id);

-- +goose Down
DROP TABLE attachments;
