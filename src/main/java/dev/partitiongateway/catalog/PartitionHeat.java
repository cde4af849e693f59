package dev.partitiongateway.catalog;

/**
 * How loaded a partition is, as the scheduled heat evaluation judged it from its statistics against
 * {@code gateway.partitions.hot.*} and {@code gateway.partitions.cold.*}. Stored in the directory
 * ({@code partitions.heat}), separate from the lifecycle state; the lifecycle policy acts on it
 * (a HOT partition is a candidate for a split, a COLD one for archiving).
 */
public enum PartitionHeat {
    /** Neither hot nor cold. */
    NORMAL,
    /** Over one of the hot thresholds: p99 latency, queries per minute, or vectors (the split threshold). */
    HOT,
    /** Not searched for {@code gateway.partitions.cold.idle-days}. */
    COLD
}
