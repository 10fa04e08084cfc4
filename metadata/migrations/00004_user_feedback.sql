-- +goose Up
-- What users wrote about a problem, from the SDKs' user_report and feedback
-- items. event_id is the event the feedback is about, when the SDK said so.
CREATE TABLE user_feedback (
    id          bigserial PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    record_id   uuid NOT NULL,
    event_id    uuid,
    name        text NOT NULL DEFAULT '',
    email       text NOT NULL DEFAULT '',
    comments    text NOT NULL,
    created_at  timestamptz NOT NULL,
    UNIQUE (project_id, record_id)
);
CREATE INDEX user_feedback_event ON user_feedback (project_id, event_id);

-- +goose Down
DROP TABLE user_feedback;
