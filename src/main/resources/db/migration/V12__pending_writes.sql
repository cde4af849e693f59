-- Making a write's registry rows ACTIVE was the costliest statement of a large upsert: 500 rows, each
-- given a new version and new entries in every index (6 ms and 220 KB of WAL per 500, measured with
-- pg_stat_statements in the side-by-side benchmark), because the partial index of PENDING rows names
-- `state` in its predicate, and a change to a column an index uses is never a heap-only (HOT) update.
--
-- The reconciler finds the rows of writes that died through this ledger instead: one row per write in
-- flight, naming the ids it registered as PENDING. A write adds its row in the transaction that registers
-- its ids and removes it in the one that makes them ACTIVE (or abandons them); the reconciler removes
-- the rows of writes it has settled. Every PENDING registry row is named by the ledger row of its write_id.
CREATE TABLE pending_writes (
    write_id   UUID           PRIMARY KEY,
    tenant_id  VARCHAR(64)    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    collection VARCHAR(63)    NOT NULL REFERENCES collections (name) ON DELETE CASCADE,
    ids        VARCHAR(512)[] NOT NULL,
    created_at TIMESTAMPTZ    NOT NULL DEFAULT now()
);
CREATE INDEX pending_writes_tenant ON pending_writes (tenant_id, collection);

-- Rows registered before this migration: a PENDING row without a write id gets one of its own.
UPDATE vector_registry SET write_id = md5(random()::text || clock_timestamp()::text || external_id)::uuid
WHERE state = 'PENDING' AND write_id IS NULL;
INSERT INTO pending_writes (write_id, tenant_id, collection, ids, created_at)
SELECT write_id, tenant_id, collection, array_agg(external_id ORDER BY external_id), min(updated_at)
FROM vector_registry WHERE state = 'PENDING'
GROUP BY write_id, tenant_id, collection;

DROP INDEX vector_registry_pending;

-- Room on each page for a new version of every row on it, so that making a write's rows ACTIVE (state,
-- write_id and updated_at: no indexed column) is a heap-only update: no index entry, a third of the WAL.
-- The price is a registry heap about twice as large as packed pages (existing pages stay as they are).
ALTER TABLE vector_registry SET (fillfactor = 50);
