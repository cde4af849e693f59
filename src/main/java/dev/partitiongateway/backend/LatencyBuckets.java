package dev.partitiongateway.backend;

import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The bucket boundaries of every latency histogram the gateway exports ({@code _bucket{le=...}} series):
 * fixed, so that buckets from every replica add up and {@code histogram_quantile} over their sum gives a
 * cluster-wide p99, and few (14 per label set), so that histograms stay cheap to scrape and store.
 */
public final class LatencyBuckets {

    private static final Duration[] BOUNDARIES = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private LatencyBuckets() {
    }

    /** The builder with these buckets, and no client-side percentiles (they cannot be added across replicas). */
    public static Timer.Builder histogram(Timer.Builder timer) {
        return timer.serviceLevelObjectives(BOUNDARIES).publishPercentileHistogram(false);
    }
}
