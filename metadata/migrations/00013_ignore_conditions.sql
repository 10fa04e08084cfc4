-- +goose Up
-- An ignored issue comes back (unresolved) after a time, or once it has
-- been seen a number of times more, when ignored with such a condition.
ALTER TABLE issues ADD COLUMN ignore_until timestamptz;
ALTER TABLE issues ADD COLUMN ignore_until_seen bigint;

-- +goose Down
ALTER TABLE issues DROP COLUMN ignore_until_seen;
ALTER TABLE issues DROP COLUMN ignore_until;
