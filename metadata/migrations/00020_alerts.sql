-- +goose Up
-- Alert rules per project, who they notify, the alerts they fired and each
-- notification's delivery (an outbox the dispatcher works through).
CREATE TABLE alert_rules (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name                text NOT NULL,
    triggers            text[] NOT NULL DEFAULT '{}',
    timespan_minutes    integer NOT NULL DEFAULT 1 CHECK (timespan_minutes BETWEEN 1 AND 1440),
    quantity            integer NOT NULL DEFAULT 1 CHECK (quantity >= 1),
    users_quantity      integer NOT NULL DEFAULT 1 CHECK (users_quantity >= 1),
    transaction         text NOT NULL DEFAULT '',
    p95_ms              double precision NOT NULL DEFAULT 0,
    filter_level        text NOT NULL DEFAULT '',
    filter_environment  text NOT NULL DEFAULT '',
    filter_release      text NOT NULL DEFAULT '',
    filter_tags         jsonb NOT NULL DEFAULT '{}',
    interval_minutes    integer NOT NULL DEFAULT 60 CHECK (interval_minutes BETWEEN 0 AND 10080),
    enabled             boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_rules_project ON alert_rules (project_id);

CREATE TABLE alert_recipients (
    id       bigserial PRIMARY KEY,
    rule_id  bigint NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    kind     text NOT NULL CHECK (kind IN ('email', 'webhook', 'slack', 'discord', 'teams')),
    url      text NOT NULL DEFAULT '', -- an address for email (empty: the organization's members), else the endpoint
    secret   text NOT NULL DEFAULT ''  -- signs generic webhooks
);
CREATE INDEX alert_recipients_rule ON alert_recipients (rule_id);

CREATE TABLE alerts (
    id          bigserial PRIMARY KEY,
    rule_id     bigint NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    project_id  bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    issue_id    bigint,
    monitor_id  bigint,
    trigger     text NOT NULL,
    title       text NOT NULL,
    body        text NOT NULL,
    link        text NOT NULL DEFAULT '',
    fired_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_subject ON alerts (rule_id, issue_id, monitor_id, id DESC);
CREATE INDEX alerts_project ON alerts (project_id, id DESC);

CREATE TABLE alert_deliveries (
    id               bigserial PRIMARY KEY,
    alert_id         bigint NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    recipient_id     bigint REFERENCES alert_recipients(id) ON DELETE SET NULL,
    kind             text NOT NULL,
    target           text NOT NULL, -- an email address or a URL
    secret           text NOT NULL DEFAULT '',
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz,
    sent_at          timestamptz,
    digest_id        bigint
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id);

-- Per-user notification preferences.
CREATE TABLE notification_settings (
    user_id       bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    alert_emails  boolean NOT NULL DEFAULT true
);

-- +goose Down
DROP TABLE notification_settings;
DROP TABLE alert_deliveries;
DROP TABLE alerts;
DROP TABLE alert_recipients;
DROP TABLE alert_rules;
