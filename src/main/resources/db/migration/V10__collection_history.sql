-- The console's charts: each collection's search requests, their latency and the vectors written, minute
-- by minute, per gateway process (dev.partitiongateway.stats.HistoryStore). A process writes the minutes it
-- recorded at every statistics flush; readers add the processes up (latency histograms are merged, so the
-- p99 of a minute is exact across processes). Rows older than two hours are deleted by the flushes.
CREATE TABLE collection_history (
    collection VARCHAR(63)  NOT NULL REFERENCES collections (name) ON DELETE CASCADE,
    minute     TIMESTAMPTZ  NOT NULL,
    process    VARCHAR(200) NOT NULL,
    searches   BIGINT       NOT NULL,
    inserts    BIGINT       NOT NULL,
    latency    BYTEA        NOT NULL, -- an HdrHistogram of search latencies in microseconds, compressed encoding
    PRIMARY KEY (collection, minute, process)
);
CREATE INDEX collection_history_minute ON collection_history (minute);
