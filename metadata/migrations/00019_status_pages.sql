-- +goose Up
-- Public status pages: a chosen list of an organization's monitors at a
-- public URL.
CREATE TABLE status_pages (
    id              bigserial PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug            text NOT NULL,
    name            text NOT NULL,
    is_public       boolean NOT NULL DEFAULT true,
    monitor_ids     bigint[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, slug)
);

-- +goose Down
DROP TABLE status_pages;
