-- +goose Up
-- The release of an issue's newest counted event, and how a resolved issue
-- was resolved: plainly (resolution_type NULL: any newer event reopens it),
-- in a release (in_release: resolution_release is the fixed version; an
-- event of it or of a newer release reopens the issue), or in the next
-- release (in_next_release: resolution_release is the release that was the
-- latest when it was resolved, '' when none was known; only an event of a
-- newer release reopens the issue).
ALTER TABLE issues ADD COLUMN last_release text NOT NULL DEFAULT '';
ALTER TABLE issues ADD COLUMN resolution_type text
    CHECK (resolution_type IN ('in_release', 'in_next_release'));
ALTER TABLE issues ADD COLUMN resolution_release text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE issues DROP COLUMN resolution_release;
ALTER TABLE issues DROP COLUMN resolution_type;
ALTER TABLE issues DROP COLUMN last_release;
