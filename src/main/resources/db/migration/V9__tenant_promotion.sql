-- A tenant promoted out of its shared bucket (SHARED_HASH collections) gets a partition of its own: a
-- row of strategy TENANT with its tenant_id, in the collection whose other tenants stay in buckets.
-- promoting_from: the bucket its vectors are being moved out of while the promotion runs (or moves them
-- back, when cancelled); NULL once every one of them has left the bucket. While it is set, the tenant's
-- searches, fetches and deletes cover the bucket too.
ALTER TABLE partitions ADD COLUMN promoting_from INT;
