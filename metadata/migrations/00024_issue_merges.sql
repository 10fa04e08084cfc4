-- +goose Up
-- Merges whose events a background job still has to move in ClickHouse:
-- written in the transaction that merges the issues here, marked moved
-- once the children's events are under the parent. Deleting the parent
-- (or its project) drops the plan, as there is nothing left to move to.
CREATE TABLE issue_merges (
    id         bigserial PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id  bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    children   bigint[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    moved_at   timestamptz
);
CREATE INDEX issue_merges_pending ON issue_merges (id) WHERE moved_at IS NULL;

-- +goose Down
DROP TABLE issue_merges;
