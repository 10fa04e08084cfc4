-- +goose Up
-- Monthly quotas per organization and category (error, transaction, span,
-- attachment, session, security, monitor…), and spike protection.
CREATE TABLE org_quotas (
    organization_id bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    category        text NOT NULL,
    monthly_limit   bigint NOT NULL CHECK (monthly_limit >= 0),
    PRIMARY KEY (organization_id, category)
);
ALTER TABLE organizations ADD COLUMN spike_protection boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE organizations DROP COLUMN spike_protection;
DROP TABLE org_quotas;
