-- +goose Up
-- Single sign-on (OpenID Connect): which account a provider's subject signs
-- in, logins under way (their state, one use each), links waiting for the
-- account's password, and organizations whose members must sign in by SSO.
CREATE TABLE user_identities (
    provider      text NOT NULL,
    subject       text NOT NULL,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject)
);
-- One identity per provider per account.
CREATE UNIQUE INDEX user_identities_user_provider ON user_identities (user_id, provider);

CREATE TABLE sso_logins (
    state_hash bytea PRIMARY KEY,
    provider   text NOT NULL,
    nonce      text NOT NULL,
    verifier   text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sso_logins_expires_at ON sso_logins (expires_at);

CREATE TABLE sso_pending_links (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider   text NOT NULL,
    subject    text NOT NULL,
    email      text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sso_pending_links_expires_at ON sso_pending_links (expires_at);

ALTER TABLE organizations ADD COLUMN require_sso boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE organizations DROP COLUMN require_sso;
DROP TABLE sso_pending_links;
DROP TABLE sso_logins;
DROP TABLE user_identities;
