-- +goose Up
-- crash_free_rate rules keep their threshold in a column of their own, so
-- one rule can watch a slow transaction and the crash-free rate at once.
ALTER TABLE alert_rules ADD COLUMN crash_free_below double precision NOT NULL DEFAULT 0
    CHECK (crash_free_below >= 0 AND crash_free_below <= 100);
-- Until now a crash_free_rate rule kept its percentage in p95_ms; a rule
-- that also names slow_transaction (which validation refused) keeps p95_ms
-- as its p95, and anything out of range stays where it is.
UPDATE alert_rules SET crash_free_below = p95_ms, p95_ms = 0
    WHERE 'crash_free_rate' = ANY (triggers) AND NOT 'slow_transaction' = ANY (triggers)
      AND p95_ms > 0 AND p95_ms <= 100;

-- +goose Down
UPDATE alert_rules SET p95_ms = crash_free_below
    WHERE 'crash_free_rate' = ANY (triggers) AND NOT 'slow_transaction' = ANY (triggers);
ALTER TABLE alert_rules DROP COLUMN crash_free_below;
