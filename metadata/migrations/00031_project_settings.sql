-- +goose Up
-- Sentry's project settings that tools set: resolve_age_hours resolves
-- issues not seen for that many hours (0: never), subject_prefix starts
-- the subject of the project's alert emails.
ALTER TABLE projects ADD COLUMN resolve_age_hours integer NOT NULL DEFAULT 0
    CHECK (resolve_age_hours >= 0 AND resolve_age_hours <= 8760);
ALTER TABLE projects ADD COLUMN subject_prefix text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE projects DROP COLUMN subject_prefix;
ALTER TABLE projects DROP COLUMN resolve_age_hours;
