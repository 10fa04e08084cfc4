-- +goose Up
CREATE TABLE teams (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    slug            text NOT NULL,
    name            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, slug)
);
CREATE TABLE team_members (
    team_id bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE TABLE project_teams (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    team_id    bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, team_id)
);
-- An issue is assigned to a user or to a team.
ALTER TABLE issues ADD COLUMN assignee_team_id bigint REFERENCES teams (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE issues DROP COLUMN assignee_team_id;
DROP TABLE project_teams;
DROP TABLE team_members;
DROP TABLE teams;
