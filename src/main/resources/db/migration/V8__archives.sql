-- One row per archive a job wrote and verified. partition_id has no foreign key: the archive outlives
-- a partition that is dropped with its tenant or collection, until the operator or the policy deletes it.
-- The manifest in the store is the full description; this row is what the gateway needs to find it.
CREATE TABLE archives (
    id             BIGSERIAL PRIMARY KEY,
    collection     TEXT        NOT NULL,
    partition_id   BIGINT      NOT NULL,
    placement      TEXT        NOT NULL,
    tenant_id      TEXT,
    archive_key    TEXT        NOT NULL UNIQUE,
    records        BIGINT      NOT NULL CHECK (records >= 0),
    content_checksum TEXT      NOT NULL,
    source_backend TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at     TIMESTAMPTZ
);
CREATE INDEX archives_partition ON archives (partition_id) WHERE deleted_at IS NULL;
CREATE INDEX archives_collection ON archives (collection, id);

-- The archive a partition's vectors are in while it is ARCHIVED or RESTORING.
ALTER TABLE partitions ADD COLUMN archive_id BIGINT;
