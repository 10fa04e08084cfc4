-- +goose Up
-- Uptime monitors (HTTP, TCP, TLS, heartbeat) and cron monitors (from SDK
-- check-ins), their state, their state changes, and which process checks
-- them (a lease, so no two processes check the same monitor).
CREATE TABLE monitors (
    id                    bigserial PRIMARY KEY,
    organization_id       bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    project_id            bigint REFERENCES projects(id) ON DELETE CASCADE,
    kind                  text NOT NULL CHECK (kind IN ('http', 'tcp', 'tls', 'heartbeat', 'cron')),
    name                  text NOT NULL,
    slug                  text,
    url                   text NOT NULL DEFAULT '',
    method                text NOT NULL DEFAULT 'GET',
    body                  text NOT NULL DEFAULT '',
    headers               jsonb NOT NULL DEFAULT '{}',
    expected_status_min   integer NOT NULL DEFAULT 200,
    expected_status_max   integer NOT NULL DEFAULT 299,
    keyword               text NOT NULL DEFAULT '',
    keyword_absent        boolean NOT NULL DEFAULT false,
    follow_redirects      boolean NOT NULL DEFAULT true,
    interval_seconds      integer NOT NULL DEFAULT 60 CHECK (interval_seconds BETWEEN 30 AND 86400),
    timeout_seconds       integer NOT NULL DEFAULT 10 CHECK (timeout_seconds BETWEEN 1 AND 60),
    failure_threshold     integer NOT NULL DEFAULT 2 CHECK (failure_threshold BETWEEN 1 AND 100),
    tls_expiry_days       integer[] NOT NULL DEFAULT '{30,14,7,3,1}',
    endpoint_id           uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    schedule_type         text NOT NULL DEFAULT '' CHECK (schedule_type IN ('', 'crontab', 'interval')),
    schedule              text NOT NULL DEFAULT '',
    timezone              text NOT NULL DEFAULT 'UTC',
    checkin_margin_min    integer NOT NULL DEFAULT 1,
    max_runtime_min       integer NOT NULL DEFAULT 30,
    environment           text NOT NULL DEFAULT '',
    paused                boolean NOT NULL DEFAULT false,
    is_up                 boolean,
    last_change           timestamptz,
    consecutive_failures  integer NOT NULL DEFAULT 0,
    last_heartbeat        timestamptz,
    tls_reported_days     integer,
    lease_owner           text,
    lease_until           timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX monitors_org ON monitors (organization_id, id);
CREATE UNIQUE INDEX monitors_cron_slug ON monitors (project_id, slug) WHERE slug IS NOT NULL;

CREATE TABLE monitor_state_changes (
    id          bigserial PRIMARY KEY,
    monitor_id  bigint NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL, -- down, up, tls_expiry
    reason      text NOT NULL
);
CREATE INDEX monitor_state_changes_monitor ON monitor_state_changes (monitor_id, id);

CREATE TABLE cron_checkins (
    id           bigserial PRIMARY KEY,
    monitor_id   bigint NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    check_in_id  text NOT NULL,
    status       text NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    duration_ms  double precision,
    environment  text NOT NULL DEFAULT '',
    UNIQUE (monitor_id, check_in_id)
);
CREATE INDEX cron_checkins_started ON cron_checkins (monitor_id, started_at);

-- Processes that check monitors, so each can take its share.
CREATE TABLE monitor_runners (
    id         text PRIMARY KEY,
    seen_at    timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE monitor_runners;
DROP TABLE cron_checkins;
DROP TABLE monitor_state_changes;
DROP TABLE monitors;
