-- +goose Up
-- The replay guard keeps a mark per project and log partition instead of a
-- row per event. processed_events grew with every event kept (months of
-- them at full retention), each insert landed on a random page of its
-- primary key, and PostgreSQL's cost per event grew with it. A replay can
-- only come from the log, so where a project's counting reached in each
-- partition is all it takes to know a replayed record (see
-- metadata/replay.go).
CREATE TABLE replay_marks (
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    log_partition integer NOT NULL,
    last_offset   bigint NOT NULL,
    last_received timestamptz NOT NULL,
    PRIMARY KEY (project_id, log_partition)
);

-- processed_events also told which issue a piece of user feedback was
-- about. The feedback now keeps its issue itself.
ALTER TABLE user_feedback ADD COLUMN issue_id bigint;
UPDATE user_feedback f SET issue_id = pe.issue_id
    FROM processed_events pe WHERE pe.project_id = f.project_id AND pe.event_id = f.event_id;
CREATE INDEX user_feedback_issue ON user_feedback (project_id, issue_id);
-- Every batch of events looks for feedback waiting for them: that is
-- usually none, and this index holds only those.
CREATE INDEX user_feedback_unlinked ON user_feedback (project_id, event_id)
    WHERE issue_id IS NULL AND event_id IS NOT NULL;

DROP TABLE processed_events;

-- +goose Down
CREATE TABLE processed_events (
    project_id   bigint NOT NULL,
    event_id     uuid NOT NULL,
    issue_id     bigint NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, event_id)
);
CREATE INDEX processed_events_age ON processed_events (processed_at);
INSERT INTO processed_events (project_id, event_id, issue_id)
    SELECT project_id, event_id, issue_id FROM user_feedback
    WHERE event_id IS NOT NULL AND issue_id IS NOT NULL ON CONFLICT DO NOTHING;
DROP INDEX user_feedback_unlinked;
DROP INDEX user_feedback_issue;
ALTER TABLE user_feedback DROP COLUMN issue_id;
DROP TABLE replay_marks;
