-- The registry: one row per stored vector. It makes quotas exact (an upsert of a known id is an
-- update), deletes routable, and is what the backends are reconciled against.
CREATE TABLE vector_registry (
    tenant_id    VARCHAR(64)  NOT NULL,
    collection   VARCHAR(63)  NOT NULL,
    external_id  VARCHAR(512) NOT NULL,
    partition_id BIGINT       NOT NULL REFERENCES partitions (id) ON DELETE CASCADE,
    updated_at   TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (tenant_id, collection, external_id)
);
CREATE INDEX vector_registry_partition ON vector_registry (partition_id);
