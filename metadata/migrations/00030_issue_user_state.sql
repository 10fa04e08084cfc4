-- +goose Up
-- Who bookmarked which issue, and who has seen it (and when last).
CREATE TABLE issue_bookmarks (
    issue_id   bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issue_id, user_id)
);
CREATE INDEX issue_bookmarks_user ON issue_bookmarks (user_id, issue_id);
CREATE TABLE issue_seen (
    issue_id  bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_seen timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issue_id, user_id)
);
-- A public issue's unguessable share id; NULL when the issue is private.
ALTER TABLE issues ADD COLUMN share_id text UNIQUE;
-- How an issue was ignored, as asked, so it reads back as it was sent:
-- the event count and the minutes (ignore_until and ignore_until_seen
-- hold when it comes back), and by whom.
ALTER TABLE issues ADD COLUMN ignore_count bigint;
ALTER TABLE issues ADD COLUMN ignore_minutes bigint;
ALTER TABLE issues ADD COLUMN ignored_by bigint REFERENCES users (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE issues DROP COLUMN ignored_by;
ALTER TABLE issues DROP COLUMN ignore_minutes;
ALTER TABLE issues DROP COLUMN ignore_count;
ALTER TABLE issues DROP COLUMN share_id;
DROP TABLE issue_seen;
DROP TABLE issue_bookmarks;
