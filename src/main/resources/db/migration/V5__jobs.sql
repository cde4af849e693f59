-- Lifecycle jobs: every split, archive, restore and retention run is a row here, so that it survives
-- the process that runs it. A process claims a job by moving it to RUNNING with a lease (a claim
-- skips rows another process holds locked); while it runs, it renews the lease, and every batch it
-- commits first checks, in the same transaction, that its attempt still owns the job (a fence). A
-- job whose lease ran out (its process died) is claimed again and resumed from its checkpoint.
CREATE TABLE jobs (
    id               BIGSERIAL    PRIMARY KEY,
    type             VARCHAR(32)  NOT NULL,
    collection       VARCHAR(63),
    -- the partition it works on, if any; not a foreign key: a split drops its source
    partition_id     BIGINT,
    target           VARCHAR(200) NOT NULL,
    params           JSONB        NOT NULL DEFAULT '{}',
    state            VARCHAR(16)  NOT NULL CHECK (state IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    cancel_requested BOOLEAN      NOT NULL DEFAULT false,
    done             BIGINT       NOT NULL DEFAULT 0,
    total            BIGINT,
    checkpoint       TEXT,
    result           JSONB,
    error            TEXT,
    requested_by     VARCHAR(200) NOT NULL,
    runner           VARCHAR(200),
    attempt          INT          NOT NULL DEFAULT 0,
    lease_until      TIMESTAMPTZ,
    run_after        TIMESTAMPTZ  NOT NULL,
    -- progress when the current attempt started, for its rate
    attempt_started_at TIMESTAMPTZ,
    attempt_start_done BIGINT     NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ  NOT NULL,
    started_at       TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ  NOT NULL,
    finished_at      TIMESTAMPTZ
);
-- At most one unfinished job per partition: a second split, or an archive during a split, is refused.
CREATE UNIQUE INDEX jobs_one_per_partition ON jobs (partition_id) WHERE state IN ('PENDING', 'RUNNING') AND partition_id IS NOT NULL;
CREATE INDEX jobs_claimable ON jobs (run_after, id) WHERE state IN ('PENDING', 'RUNNING');
CREATE INDEX jobs_collection ON jobs (collection, id);
-- At most one unfinished job of a type per collection for jobs that work on a whole collection (retention).
CREATE UNIQUE INDEX jobs_one_per_collection ON jobs (type, collection) WHERE state IN ('PENDING', 'RUNNING') AND partition_id IS NULL;

-- A collection's lifecycle policy (splitAboveVectors, splitInto, archiveAfterIdleDays, deleteArchivesAfterDays,
-- restoreOnAccess), as set by PATCH /v1/admin/collections/{name}; '{}' is no automatic lifecycle.
ALTER TABLE collections ADD COLUMN lifecycle JSONB NOT NULL DEFAULT '{}';
