-- +goose Up
CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE organizations (
    id         bigserial PRIMARY KEY,
    slug       text NOT NULL UNIQUE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organization_members (
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            text NOT NULL DEFAULT 'member',
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user ON organization_members (user_id);

CREATE TABLE projects (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    slug            text NOT NULL,
    name            text NOT NULL,
    platform        text NOT NULL DEFAULT '',
    -- Source of the per-project short ids (SLUG-1, SLUG-2, ...).
    issue_counter   bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, slug)
);

CREATE TABLE project_keys (
    id         bigserial PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    public_key text NOT NULL UNIQUE,
    secret_key text NOT NULL,
    label      text NOT NULL DEFAULT 'Default',
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_keys_project ON project_keys (project_id);

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label        text NOT NULL,
    -- SHA-256 of the token; the token itself is shown once and never stored.
    token_hash   bytea NOT NULL UNIQUE,
    scopes       text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE issues (
    id          bigserial PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    short_id    bigint NOT NULL,
    -- Hex SHA-256 of the grouping fingerprint.
    fingerprint text NOT NULL,
    title       text NOT NULL,
    culprit     text NOT NULL DEFAULT '',
    level       text NOT NULL,
    type        text NOT NULL,
    metadata    jsonb NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'unresolved',
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    times_seen  bigint NOT NULL DEFAULT 0,
    UNIQUE (project_id, fingerprint),
    UNIQUE (project_id, short_id)
);
-- last_seen and times_seen change with every event; they are deliberately kept
-- out of indexes so that upserts stay HOT updates.

-- Every event the workers have counted, so that a replay after a crash is
-- recognised and never counted twice.
CREATE TABLE processed_events (
    project_id   bigint NOT NULL,
    event_id     uuid NOT NULL,
    issue_id     bigint NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, event_id)
);

-- +goose Down
DROP TABLE processed_events;
DROP TABLE issues;
DROP TABLE api_tokens;
DROP TABLE project_keys;
DROP TABLE projects;
DROP TABLE organization_members;
DROP TABLE organizations;
DROP TABLE users;
