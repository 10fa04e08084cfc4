-- +goose Up
-- An organization's code repositories, as Sentry's custom repositories:
-- named so that a release's refs (sentry-cli's set-commits --commit
-- "REPO@SHA") can say which repository a commit is in. Faultline reads no
-- repository host; the url is only shown.
CREATE TABLE repositories (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL,
    url             text NOT NULL DEFAULT '',
    provider        text NOT NULL DEFAULT 'integrations:custom_scm',
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- Refs name repositories ignoring case, as sentry-cli matches them.
CREATE UNIQUE INDEX repositories_org_name ON repositories (organization_id, lower(name));

-- +goose Down
DROP TABLE repositories;
