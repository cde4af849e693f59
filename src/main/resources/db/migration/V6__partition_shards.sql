-- A strategy key (a tenant; a tenant's window or attribute value; a shared bucket) names a logical
-- partition that is stored as one or more hash shards: the shard (hash_modulus, hash_residue) owns
-- the ids whose murmur3_32 hash (UTF-8, seed 0, unsigned) modulo hash_modulus is hash_residue. An
-- unsplit partition is the one shard (1, 0). Splitting shard (m, r) into K gives (m*K, r + j*m) for
-- j = 0..K-1: exactly the ids of the source, so the routable (ACTIVE) shards of a key always tile the
-- hash space and each id has exactly one.
-- split_of: the partition a shard was split from (no foreign key: that partition is dropped once empty).
ALTER TABLE partitions ADD COLUMN hash_modulus INT NOT NULL DEFAULT 1 CHECK (hash_modulus >= 1);
ALTER TABLE partitions ADD COLUMN hash_residue INT NOT NULL DEFAULT 0;
ALTER TABLE partitions ADD CONSTRAINT partitions_residue_in_range CHECK (hash_residue >= 0 AND hash_residue < hash_modulus);
ALTER TABLE partitions ADD COLUMN split_of BIGINT;
CREATE INDEX partitions_split_of ON partitions (split_of) WHERE split_of IS NOT NULL;

-- One row per key and shard. Concurrent first writes of a key still create exactly one (1, 0) row:
-- they insert with ON CONFLICT DO NOTHING and read the row back.
DROP INDEX partitions_one_dedicated;
CREATE UNIQUE INDEX partitions_one_dedicated ON partitions (collection, tenant_id, hash_modulus, hash_residue) WHERE strategy = 'TENANT';
DROP INDEX partitions_one_window;
CREATE UNIQUE INDEX partitions_one_window ON partitions (collection, tenant_id, window_start, hash_modulus, hash_residue)
    WHERE strategy = 'TENANT_TIME';
DROP INDEX partitions_one_attribute;
CREATE UNIQUE INDEX partitions_one_attribute ON partitions (collection, tenant_id, attribute_value, hash_modulus, hash_residue)
    WHERE strategy = 'TENANT_ATTRIBUTE' AND attribute_value IS NOT NULL;
DROP INDEX partitions_one_attribute_default;
CREATE UNIQUE INDEX partitions_one_attribute_default ON partitions (collection, tenant_id, hash_modulus, hash_residue)
    WHERE strategy = 'TENANT_ATTRIBUTE' AND attribute_value IS NULL;
DROP INDEX partitions_one_bucket;
CREATE UNIQUE INDEX partitions_one_bucket ON partitions (collection, bucket, hash_modulus, hash_residue) WHERE strategy = 'SHARED_HASH';

-- A move (split, and later archive, restore, migration) walks the registry rows of one partition in
-- (tenant, id) order from a checkpoint: keyset paging on this index. It also serves what the old
-- single-column index did (the cascade from partitions, counts per partition).
CREATE INDEX vector_registry_partition_keys ON vector_registry (partition_id, tenant_id, external_id);
DROP INDEX vector_registry_partition;
