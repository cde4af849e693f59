-- Observability: per-partition statistics, heat, and the audit log of admin actions.

-- A partition's heat, set by the scheduled evaluation (dev.partitiongateway.stats.HeatEvaluation) from its
-- statistics and the configured thresholds; the lifecycle policy reads it (HOT: split, COLD: archive).
-- Not the lifecycle state (partitions.state), which says what the gateway may do with the partition.
ALTER TABLE partitions ADD COLUMN heat VARCHAR(8) NOT NULL DEFAULT 'NORMAL' CHECK (heat IN ('NORMAL', 'HOT', 'COLD'));
CREATE INDEX partitions_heat ON partitions (heat, id) WHERE heat <> 'NORMAL';

-- What survives a restart of every gateway process: when the partition was last searched and written
-- (each process keeps these in memory and writes them periodically; an update never moves a time
-- backwards, so two processes flushing in any order keep the later one), and why it has its heat.
-- A row of its own, not columns of partitions: flushes never wait on the partition rows that writes lock.
CREATE TABLE partition_stats (
    partition_id    BIGINT      PRIMARY KEY REFERENCES partitions (id) ON DELETE CASCADE,
    last_query_at   TIMESTAMPTZ,
    last_write_at   TIMESTAMPTZ,
    heat_reasons    TEXT, -- one reason per line
    heat_changed_at TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- The sliding-window figures of each gateway process, per partition with traffic in the window: summed
-- (rates) or maxed (latency percentiles) over the processes whose row is still valid, they are the cluster's
-- view that the admin API lists and sorts and the heat evaluation judges. A process deletes its row when its
-- window empties, and all its rows when it stops; the rows of a process that died count until valid_until
-- (three of its flush intervals, at least 30 s, after it wrote them) and are deleted later.
CREATE TABLE partition_load (
    partition_id BIGINT           NOT NULL REFERENCES partitions (id) ON DELETE CASCADE,
    process      VARCHAR(200)     NOT NULL,
    measured_at  TIMESTAMPTZ      NOT NULL,
    valid_until  TIMESTAMPTZ      NOT NULL,
    queries      BIGINT           NOT NULL,
    inserts      BIGINT           NOT NULL,
    qpm          DOUBLE PRECISION NOT NULL,
    ipm          DOUBLE PRECISION NOT NULL,
    p50_ms       DOUBLE PRECISION,
    p95_ms       DOUBLE PRECISION,
    p99_ms       DOUBLE PRECISION,
    PRIMARY KEY (partition_id, process)
);
CREATE INDEX partition_load_valid ON partition_load (valid_until);

-- Every admin action (operator-key endpoints that change something), with its outcome, written after the
-- action in the same request. Never the key's secret: the actor is the configured operator key, or a key's
-- public prefix and id.
CREATE TABLE audit_log (
    id         BIGSERIAL     PRIMARY KEY,
    at         TIMESTAMPTZ   NOT NULL,
    actor      VARCHAR(200)  NOT NULL,
    key_id     UUID,
    action     VARCHAR(64)   NOT NULL,
    method     VARCHAR(16)   NOT NULL,
    path       VARCHAR(2048) NOT NULL,
    target     VARCHAR(2048),
    status     INT           NOT NULL,
    code       VARCHAR(64),
    request_id VARCHAR(128)  NOT NULL
);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_at ON audit_log (at);
