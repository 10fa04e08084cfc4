-- +goose Up
ALTER TABLE issues ADD COLUMN assignee_id bigint REFERENCES users (id) ON DELETE SET NULL;

-- What happened to an issue and who did it: status changes, assignments,
-- regressions.
CREATE TABLE issue_activity (
    id         bigserial PRIMARY KEY,
    issue_id   bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    kind       text NOT NULL,
    data       jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX issue_activity_issue ON issue_activity (issue_id, id);

-- +goose Down
DROP TABLE issue_activity;
ALTER TABLE issues DROP COLUMN assignee_id;
