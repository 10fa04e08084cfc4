-- +goose NO TRANSACTION
-- +goose Up
-- The issue list of a project with many issues. Each sort reads its first
-- page from an index, and the list's total (counted up to 10,000) reads
-- only the last-seen index, whose entries carry the status. Merged issues
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
-- culprit) uses trigram indexes when the server may install pg_trgm, which
-- ships with PostgreSQL. Without it, a search reads the project's issues.
-- These two build inside a DO block, which cannot build CONCURRENTLY:
-- issues take no writes while they build (seconds per million issues).
-- +goose StatementBegin
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'pg_trgm could not be installed (%): issue text search will read every issue of a project', SQLERRM;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS issues_title_trgm ON issues USING gin (title gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS issues_culprit_trgm ON issues USING gin (culprit gin_trgm_ops);
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS issues_culprit_trgm;
DROP INDEX IF EXISTS issues_title_trgm;
DROP INDEX IF EXISTS issue_merges_project;
DROP INDEX IF EXISTS issue_merges_parent;
DROP INDEX IF EXISTS issues_merged_into;
DROP INDEX IF EXISTS issues_list_times_seen;
DROP INDEX IF EXISTS issues_list_first_seen;
DROP INDEX IF EXISTS issues_list_last_seen;
