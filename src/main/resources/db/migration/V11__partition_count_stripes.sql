-- A partition's vector count is partitions.vector_count (its base) plus the deltas in partition_counts.
-- Writes add their delta to one of a few stripes of the partition, chosen at random, instead of updating
-- the partition's row: the row an UPDATE locks stays locked until the commit's WAL flush, so every write
-- of one tenant to its partition queued behind the previous one's fsync (dev.partitiongateway.registry.
-- QuotaLedger). The count stays exact and transactional; read it with partition_vectors(id, vector_count).
-- The reconciler sets the base to the recount minus the stripes, so the base alone may be negative.
CREATE TABLE partition_counts (
    partition_id BIGINT   NOT NULL REFERENCES partitions (id) ON DELETE CASCADE,
    stripe       SMALLINT NOT NULL,
    delta        BIGINT   NOT NULL,
    PRIMARY KEY (partition_id, stripe)
);

ALTER TABLE partitions DROP CONSTRAINT partitions_vector_count_check;

CREATE FUNCTION partition_vectors(partition BIGINT, base BIGINT) RETURNS BIGINT
    LANGUAGE sql STABLE PARALLEL SAFE
    AS 'SELECT $2 + COALESCE((SELECT sum(delta) FROM partition_counts WHERE partition_id = $1), 0)::bigint';
