-- +goose Up
-- Password reset links: only the SHA-256 of the link's token is stored.
CREATE TABLE password_resets (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- Invitations to an organization, for one email address, used once.
CREATE TABLE invitations (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           text NOT NULL,
    role            text NOT NULL,
    token_hash      bytea NOT NULL UNIQUE,
    invited_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    accepted_at     timestamptz
);
CREATE INDEX invitations_org ON invitations (organization_id);

-- +goose Down
DROP TABLE invitations;
DROP TABLE password_resets;
