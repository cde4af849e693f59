-- A tenant id can be deleted and created again; uid tells the two apart. A key belongs to one
-- incarnation of its tenant (tenant_uid), so a key of a deleted tenant can never authenticate as a
-- new tenant with the same id, whatever a cache still holds.
ALTER TABLE tenants ADD COLUMN uid UUID NOT NULL DEFAULT gen_random_uuid() CONSTRAINT tenants_uid_unique UNIQUE;

ALTER TABLE api_keys ADD COLUMN tenant_uid UUID;
UPDATE api_keys k SET tenant_uid = t.uid FROM tenants t WHERE t.id = k.tenant_id;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_tenant_incarnation CHECK ((tenant_id IS NULL) = (tenant_uid IS NULL));

-- Keys may expire; a rotation issues a new key and lets the old one expire after a grace period.
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_keys ADD COLUMN rotated_to UUID REFERENCES api_keys (id) ON DELETE SET NULL;

-- Per-tenant limits; NULL means the gateway's configured default.
ALTER TABLE tenants ADD COLUMN requests_per_second INT CHECK (requests_per_second > 0);
ALTER TABLE tenants ADD COLUMN vectors_per_second INT CHECK (vectors_per_second > 0);
ALTER TABLE tenants ADD COLUMN max_concurrent_requests INT CHECK (max_concurrent_requests > 0);

-- Writes register new ids as PENDING (with their quota reserved) in a short transaction of their own,
-- then write the backend and make the rows ACTIVE. A process that dies in between leaves PENDING
-- rows that the reconciler settles against the backend. write_id names the write that made a row
-- PENDING, so that a failed write abandons only its own rows.
ALTER TABLE vector_registry ADD COLUMN state VARCHAR(8) NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE', 'PENDING'));
ALTER TABLE vector_registry ADD COLUMN write_id UUID;
CREATE INDEX vector_registry_pending ON vector_registry (tenant_id, collection) WHERE state = 'PENDING';
