package dev.partitiongateway.stats;

/**
 * What this process measured of one partition: its sliding window, and when it was last searched and
 * written (epoch milliseconds, {@code 0}: not since this process started). The times are written by
 * any request thread without a lock (a request that loses a race wrote a time within the same instant);
 * the {@code flushed*} fields belong to the flush, which runs on one thread at a time.
 */
final class PartitionLoad {

    final long partitionId;
    final String collection;
    /** {@code null} for a shared bucket. */
    final String tenantId;
    final String placement;
    final SlidingWindow window;

    private volatile long lastQueryMillis;
    private volatile long lastWriteMillis;

    long flushedQueryMillis;
    long flushedWriteMillis;
    /** Whether the last flush left a row of this process's window figures for the partition. */
    boolean loadRowWritten;

    PartitionLoad(long partitionId, String collection, String tenantId, String placement, int windowMinutes) {
        this.partitionId = partitionId;
        this.collection = collection;
        this.tenantId = tenantId;
        this.placement = placement;
        this.window = new SlidingWindow(windowMinutes);
    }

    void searched(long nowMillis, long micros) {
        window.searched(nowMillis, micros);
        if (nowMillis > lastQueryMillis) {
            lastQueryMillis = nowMillis;
        }
    }

    void written(long nowMillis, long vectors) {
        window.written(nowMillis, vectors);
        if (nowMillis > lastWriteMillis) {
            lastWriteMillis = nowMillis;
        }
    }

    long lastQueryMillis() {
        return lastQueryMillis;
    }

    long lastWriteMillis() {
        return lastWriteMillis;
    }

    /** Whether the flush has written everything there is to write of it. */
    boolean flushed() {
        return lastQueryMillis <= flushedQueryMillis && lastWriteMillis <= flushedWriteMillis;
    }
}
