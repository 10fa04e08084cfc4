-- +goose NO TRANSACTION
-- +goose Up
-- The issue list of a project with many issues. Each sort reads its first
-- page from an index, and the list's total (counted up to 1,000) reads
-- one of them alone (the last-seen one carries the status). Merged issues
-- are never listed, so they are left out of these indexes.
--
-- Updating last_seen and times_seen with every batch of events already
-- could not be a HOT update (issues_last_seen, for retention, indexes
-- last_seen), so these indexes add index writes, not heap writes.
--
-- They are built CONCURRENTLY, outside a transaction, so that a large
-- installation keeps ingesting while they build; IF NOT EXISTS lets a
-- migration cut short run again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS issues_list_last_seen
    ON issues (project_id, last_seen DESC, id DESC) INCLUDE (status) WHERE merged_into IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS issues_list_first_seen
    ON issues (project_id, first_seen DESC, id DESC) WHERE merged_into IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS issues_list_times_seen
    ON issues (project_id, times_seen DESC, id DESC) WHERE merged_into IS NULL;

-- Deleting an issue (with its project, or by retention) looks for the
-- issues merged into it and the merges it was the parent of. Without
-- these indexes each deleted issue read both tables whole: deleting a
-- project of 100,000 issues took hours.
CREATE INDEX CONCURRENTLY IF NOT EXISTS issues_merged_into ON issues (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS issue_merges_parent ON issue_merges (parent_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS issue_merges_project ON issue_merges (project_id);

-- Text search (the list's free text: a substring of the title or the
-- culprit) reads issue_texts, a copy of both kept by triggers. Trigram
-- indexes on issues itself would be rewritten with every event an issue
-- takes (its row is never updated in place, see above): that doubled the
-- time to record a batch spread over many issues (24 to 49 ms for 1,000
-- events over 500 issues). The copy changes only
-- when a title or culprit does.
CREATE TABLE IF NOT EXISTS issue_texts (
    issue_id bigint PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
    title    text NOT NULL,
    culprit  text NOT NULL
);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION issue_texts_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO issue_texts (issue_id, title, culprit) VALUES (NEW.id, NEW.title, NEW.culprit)
    ON CONFLICT (issue_id) DO UPDATE SET title = EXCLUDED.title, culprit = EXCLUDED.culprit;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS issue_texts_insert ON issues;
CREATE TRIGGER issue_texts_insert AFTER INSERT ON issues
    FOR EACH ROW EXECUTE FUNCTION issue_texts_copy();
DROP TRIGGER IF EXISTS issue_texts_update ON issues;
CREATE TRIGGER issue_texts_update AFTER UPDATE OF title, culprit ON issues
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.culprit IS DISTINCT FROM NEW.culprit)
    EXECUTE FUNCTION issue_texts_copy();
-- The issues from before the triggers; what the triggers copied while this
-- ran is newer and stays.
INSERT INTO issue_texts (issue_id, title, culprit) SELECT id, title, culprit FROM issues
    ON CONFLICT (issue_id) DO NOTHING;

-- Trigram indexes need pg_trgm, which ships with PostgreSQL (a trusted
-- extension: the database's owner may install it). The server builds the
-- indexes at start when the extension is there (metadata/texts.go), so an
-- operator who installs it later gets them at the next start.
-- +goose StatementBegin
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'pg_trgm could not be installed (%): issue text search will read every issue of a project', SQLERRM;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER IF EXISTS issue_texts_update ON issues;
DROP TRIGGER IF EXISTS issue_texts_insert ON issues;
DROP FUNCTION IF EXISTS issue_texts_copy();
DROP TABLE IF EXISTS issue_texts; -- and its trigram indexes
DROP INDEX IF EXISTS issue_merges_project;
DROP INDEX IF EXISTS issue_merges_parent;
DROP INDEX IF EXISTS issues_merged_into;
DROP INDEX IF EXISTS issues_list_times_seen;
DROP INDEX IF EXISTS issues_list_first_seen;
DROP INDEX IF EXISTS issues_list_last_seen;
