-- Partitions of the four strategies, each kind unique per its key, so that concurrent first writes
-- of the same window, attribute value or bucket create one row.
-- attribute_value: the value as canonical JSON ("eu", 3.0, true), NULL for the tenant's default
-- partition (records without the field).
ALTER TABLE partitions ADD COLUMN attribute_value TEXT;
CREATE UNIQUE INDEX partitions_one_window ON partitions (collection, tenant_id, window_start) WHERE strategy = 'TENANT_TIME';
CREATE UNIQUE INDEX partitions_one_attribute ON partitions (collection, tenant_id, attribute_value)
    WHERE strategy = 'TENANT_ATTRIBUTE' AND attribute_value IS NOT NULL;
CREATE UNIQUE INDEX partitions_one_attribute_default ON partitions (collection, tenant_id)
    WHERE strategy = 'TENANT_ATTRIBUTE' AND attribute_value IS NULL;
CREATE UNIQUE INDEX partitions_one_bucket ON partitions (collection, bucket) WHERE strategy = 'SHARED_HASH';
CREATE INDEX partitions_collection_id ON partitions (collection, id);

-- What retention dropped: one row per window.
CREATE TABLE retention_drops (
    id           BIGSERIAL    PRIMARY KEY,
    collection   VARCHAR(63)  NOT NULL,
    tenant_id    VARCHAR(64)  NOT NULL,
    placement    VARCHAR(200) NOT NULL,
    window_start TIMESTAMPTZ  NOT NULL,
    window_end   TIMESTAMPTZ  NOT NULL,
    vectors      BIGINT       NOT NULL,
    dropped_at   TIMESTAMPTZ  NOT NULL
);
CREATE INDEX retention_drops_collection ON retention_drops (collection, dropped_at);

-- Scheduled work that must run once per round across every gateway process sharing the database:
-- a process runs a round only if it moves started_at forward (one conditional UPDATE), so of several
-- processes whose schedules fire together, exactly one runs it.
CREATE TABLE scheduled_rounds (
    name       VARCHAR(64)  PRIMARY KEY,
    round      BIGINT       NOT NULL,
    started_at TIMESTAMPTZ  NOT NULL,
    runner     VARCHAR(200)
);
