-- +goose Up
-- Releases as sentry-cli and the releases API create them, per organization,
-- with the projects they ship, their deploys and their commits. Events name
-- releases freely; a release seen only in events has no row here.
CREATE TABLE releases (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version         text NOT NULL,
    ref             text NOT NULL DEFAULT '',
    url             text NOT NULL DEFAULT '',
    date_released   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, version)
);

CREATE TABLE release_projects (
    release_id bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (release_id, project_id)
);
CREATE INDEX release_projects_project ON release_projects (project_id);

CREATE TABLE release_deploys (
    id            bigserial PRIMARY KEY,
    release_id    bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    environment   text NOT NULL,
    name          text NOT NULL DEFAULT '',
    url           text NOT NULL DEFAULT '',
    date_started  timestamptz,
    date_finished timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX release_deploys_release ON release_deploys (release_id, date_finished DESC);

CREATE TABLE release_commits (
    release_id   bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    position     int NOT NULL,
    commit_id    text NOT NULL,
    repository   text NOT NULL DEFAULT '',
    message      text NOT NULL DEFAULT '',
    author_name  text NOT NULL DEFAULT '',
    author_email text NOT NULL DEFAULT '',
    committed_at timestamptz,
    PRIMARY KEY (release_id, position)
);

-- The release of an issue's first event: "new issues" of a release.
ALTER TABLE issues ADD COLUMN first_release text NOT NULL DEFAULT '';
CREATE INDEX issues_first_release ON issues (project_id, first_release) WHERE first_release <> '';

-- +goose Down
ALTER TABLE issues DROP COLUMN first_release;
DROP TABLE release_commits;
DROP TABLE release_deploys;
DROP TABLE release_projects;
DROP TABLE releases;
