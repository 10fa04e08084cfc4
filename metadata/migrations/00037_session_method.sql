-- +goose Up
-- How each dashboard session began: a password (with or without a
-- two-factor code), a password and a security key, or single sign-on.
-- Turning an organization's requireSso on ends its non-owner members'
-- sessions that did not begin with single sign-on. Sessions older than this
-- column count as password sessions: they may have been, and ending one
-- only asks for a new sign-in.
ALTER TABLE user_sessions ADD COLUMN method text NOT NULL DEFAULT 'password'
    CHECK (method IN ('password', 'key', 'sso'));

-- +goose Down
ALTER TABLE user_sessions DROP COLUMN method;
