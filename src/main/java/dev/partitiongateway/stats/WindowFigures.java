package dev.partitiongateway.stats;

/**
 * What a sliding window says about one partition at one instant.
 *
 * @param queries searches of the partition in the window's minutes (the sample behind the percentiles)
 * @param inserts vectors written to it in the same minutes
 * @param qpm     searches per minute over exactly the window
 * @param ipm     vectors written per minute over exactly the window
 * @param p50Ms   median search latency in milliseconds, {@code null} without searches; likewise p95 and p99
 */
public record WindowFigures(long queries, long inserts, double qpm, double ipm, Double p50Ms, Double p95Ms, Double p99Ms) {

    public static final WindowFigures NONE = new WindowFigures(0, 0, 0, 0, null, null, null);

    /** Nothing happened in the window. */
    public boolean idle() {
        return queries == 0 && inserts == 0;
    }

    /** How loaded the partition is, for ranking: searches plus vectors written, per minute. */
    public double load() {
        return qpm + ipm;
    }
}
