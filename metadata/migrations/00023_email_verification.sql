-- +goose Up
-- Whether a user has shown they read their account's email (a confirmation
-- link, a password reset); invitations are accepted only then. Accounts made
-- by an administrator (bootstrap, provisioning) count as confirmed.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

-- Confirmation links, used once, for the address they were sent to.
CREATE TABLE email_verifications (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      text NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX email_verifications_user ON email_verifications (user_id);

-- +goose Down
DROP TABLE email_verifications;
ALTER TABLE users DROP COLUMN email_verified_at;
