package dev.partitiongateway.stats;

import java.time.Instant;
import java.util.List;

/**
 * A partition's statistics as every gateway process sharing the database measured them: their window
 * figures as of each one's last flush (rates and counts summed, latency percentiles the highest of any
 * process: exact with one process, an upper bound with several), and the last search and write of any of them.
 *
 * @param measuredAt  the newest flush these window figures come from; {@code null} when no process had traffic in its window
 * @param heatReasons why the partition has its heat, as of the last evaluation (empty when NORMAL)
 */
public record ClusterFigures(long queries, long inserts, double qpm, double ipm, Double p50Ms, Double p95Ms, Double p99Ms,
                             Instant measuredAt, Instant lastQueryAt, Instant lastWriteAt, List<String> heatReasons,
                             Instant heatChangedAt) {
}
