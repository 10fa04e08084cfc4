-- +goose Up
-- Organizations whose members see every project (the default), or only the
-- projects of the teams they belong to (owners and managers see all).
ALTER TABLE organizations ADD COLUMN open_membership boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE organizations DROP COLUMN open_membership;
