-- +goose Up
-- Source maps and the files they map, as sentry-cli uploads them. Every byte
-- lives in the blob store under blob_key; these tables are the index.

-- Where an assembly of uploaded chunks stands, per organization and checksum
-- of the whole file, so a client polling after a restart hears the truth.
-- A row in state 'ok' stays while its bundle does.
CREATE TABLE artifact_assembles (
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    checksum        text NOT NULL,
    state           text NOT NULL CHECK (state IN ('created', 'assembling', 'ok', 'error')),
    detail          text NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, checksum)
);

-- Chunks uploaded and not yet assembled, so those a client abandoned are
-- swept from the blob store.
CREATE TABLE artifact_chunks (
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    checksum        text NOT NULL,
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, checksum)
);
CREATE INDEX artifact_chunks_uploaded ON artifact_chunks (uploaded_at);

-- An artifact bundle: a zip with manifest.json, for some of the
-- organization's projects, optionally for a release and dist.
CREATE TABLE artifact_bundles (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    checksum        text NOT NULL,
    bundle_id       text NOT NULL DEFAULT '', -- the manifest's debug_id
    blob_key        text NOT NULL,
    release         text NOT NULL DEFAULT '',
    dist            text NOT NULL DEFAULT '',
    project_ids     bigint[] NOT NULL,
    file_count      int NOT NULL,
    size            bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, checksum)
);
CREATE INDEX artifact_bundles_projects ON artifact_bundles USING gin (project_ids);
CREATE INDEX artifact_bundles_release ON artifact_bundles (organization_id, release, dist) WHERE release <> '';

-- The files of a bundle, found by debug id or by URL.
CREATE TABLE artifact_bundle_files (
    bundle_id bigint NOT NULL REFERENCES artifact_bundles (id) ON DELETE CASCADE,
    path      text NOT NULL, -- the entry in the zip
    kind      text NOT NULL, -- source, minified_source, source_map, indexed_ram_bundle
    url       text NOT NULL DEFAULT '',
    debug_id  text NOT NULL DEFAULT '', -- lowercase hyphenated UUID
    headers   jsonb NOT NULL DEFAULT '{}',
    size      bigint NOT NULL,
    PRIMARY KEY (bundle_id, path)
);
CREATE INDEX artifact_bundle_files_debug_id ON artifact_bundle_files (debug_id, kind) WHERE debug_id <> '';
CREATE INDEX artifact_bundle_files_url ON artifact_bundle_files (url) WHERE url <> '';

-- Files uploaded one at a time to a release (the older protocol).
CREATE TABLE release_files (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    release         text NOT NULL,
    dist            text NOT NULL DEFAULT '',
    name            text NOT NULL,
    blob_key        text NOT NULL,
    headers         jsonb NOT NULL DEFAULT '{}',
    size            bigint NOT NULL,
    sha1            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, release, dist, name)
);

-- +goose Down
DROP TABLE release_files;
DROP TABLE artifact_bundle_files;
DROP TABLE artifact_bundles;
DROP TABLE artifact_chunks;
DROP TABLE artifact_assembles;
