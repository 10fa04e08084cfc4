-- +goose Up
-- The audit log: who changed what in an organization, from where. The
-- organization is not a foreign key on purpose: an organization's removal
-- is itself audited, and its rows (visible to no one once it is gone) stay
-- until the retention pass removes them. Ids are never reused.
CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL,
    actor_user_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    actor_token_id  bigint,
    actor_label     text NOT NULL DEFAULT '',
    ip_address      text NOT NULL DEFAULT '',
    user_agent      text NOT NULL DEFAULT '',
    event           text NOT NULL,
    target_object   bigint,
    target_user_id  bigint REFERENCES users (id) ON DELETE SET NULL,
    data            jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org_created ON audit_log (organization_id, created_at DESC, id DESC);
CREATE INDEX audit_log_created ON audit_log (created_at);

-- +goose Down
DROP TABLE audit_log;
