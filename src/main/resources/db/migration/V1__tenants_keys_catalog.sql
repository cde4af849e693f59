-- Tenants, their API keys and usage; the collection catalog and the partition directory.

CREATE TABLE tenants (
    id          VARCHAR(64)  PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    status      VARCHAR(16)  NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED')),
    max_vectors BIGINT       NOT NULL CHECK (max_vectors >= 0),
    created_at  TIMESTAMPTZ  NOT NULL,
    updated_at  TIMESTAMPTZ  NOT NULL
);

-- One row per tenant; the upsert path locks it (SELECT ... FOR UPDATE) to keep quotas exact.
CREATE TABLE tenant_usage (
    tenant_id  VARCHAR(64) PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    vectors    BIGINT      NOT NULL DEFAULT 0 CHECK (vectors >= 0),
    updated_at TIMESTAMPTZ NOT NULL
);

-- Secrets are never stored: only SHA-256 of the whole key, found through its public prefix.
-- tenant_id NULL marks an operator key (generated on first start when none is configured).
CREATE TABLE api_keys (
    id           UUID         PRIMARY KEY,
    tenant_id    VARCHAR(64)  REFERENCES tenants (id) ON DELETE CASCADE,
    prefix       VARCHAR(32)  NOT NULL UNIQUE,
    secret_hash  BYTEA        NOT NULL,
    name         VARCHAR(200) NOT NULL,
    scopes       VARCHAR(64)  NOT NULL,
    created_at   TIMESTAMPTZ  NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE collections (
    name         VARCHAR(63)  PRIMARY KEY,
    dimension    INT          NOT NULL CHECK (dimension BETWEEN 1 AND 4096),
    metric       VARCHAR(8)   NOT NULL CHECK (metric IN ('COSINE', 'L2', 'DOT')),
    backend      VARCHAR(32)  NOT NULL,
    strategy     VARCHAR(16)  NOT NULL,
    -- strategy parameters (time window, retention, bucket count) as given at creation
    partitioning JSONB        NOT NULL,
    created_at   TIMESTAMPTZ  NOT NULL,
    updated_at   TIMESTAMPTZ  NOT NULL
);

-- The directory: every partition of every collection and where it lives on its backend.
CREATE TABLE partitions (
    id           BIGSERIAL    PRIMARY KEY,
    collection   VARCHAR(63)  NOT NULL REFERENCES collections (name) ON DELETE CASCADE,
    tenant_id    VARCHAR(64)  REFERENCES tenants (id) ON DELETE CASCADE, -- NULL for a shared bucket
    strategy     VARCHAR(16)  NOT NULL,
    backend      VARCHAR(32)  NOT NULL,
    placement    VARCHAR(200) NOT NULL,
    state        VARCHAR(16)  NOT NULL,
    vector_count BIGINT       NOT NULL DEFAULT 0 CHECK (vector_count >= 0),
    window_start TIMESTAMPTZ,
    window_end   TIMESTAMPTZ,
    bucket       INT,
    created_at   TIMESTAMPTZ  NOT NULL,
    updated_at   TIMESTAMPTZ  NOT NULL,
    UNIQUE (collection, placement)
);
CREATE INDEX partitions_tenant ON partitions (tenant_id);
-- At most one dedicated partition per tenant and collection, even when first writes race.
CREATE UNIQUE INDEX partitions_one_dedicated ON partitions (collection, tenant_id) WHERE strategy = 'TENANT';
