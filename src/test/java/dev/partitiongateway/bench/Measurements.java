package dev.partitiongateway.bench;

import java.lang.management.ManagementFactory;

/** What both benchmark harnesses report besides their own figures. */
public final class Measurements {

    private Measurements() {
    }

    /** The OS's 1-minute load average, recorded because a shared machine makes every figure noisy. */
    public static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** Nearest-rank percentile of sorted nanosecond samples, in milliseconds; NaN without samples. */
    public static double percentileMs(long[] sortedNanos, double percentile) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(percentile / 100.0 * sortedNanos.length);
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
    }
}
