-- +goose Up
-- Security keys (WebAuthn) as a second factor: each account's registered
-- credentials, registrations under way (their challenge, one per account),
-- and logins whose password was right and that wait for a second factor
-- (their token, and the challenge a security key must sign; one use each).
CREATE TABLE webauthn_credentials (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id bytea NOT NULL UNIQUE,
    public_key    bytea NOT NULL,
    sign_count    bigint NOT NULL DEFAULT 0,
    name          text NOT NULL,
    -- The whole record as the WebAuthn library keeps it (flags, transports, attestation).
    record        jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id);

CREATE TABLE webauthn_registrations (
    user_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    session    jsonb NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE TABLE pending_logins (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The security-key challenge of this login, once asked for.
    session    jsonb,
    expires_at timestamptz NOT NULL
);
CREATE INDEX pending_logins_expires_at ON pending_logins (expires_at);

-- +goose Down
DROP TABLE pending_logins;
DROP TABLE webauthn_registrations;
DROP TABLE webauthn_credentials;
