package dev.partitiongateway.stats;

import dev.partitiongateway.catalog.PartitionHeat;
import dev.partitiongateway.config.GatewayConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * When a partition is HOT or COLD, from its figures: COLD when nobody searched it for {@code idleDays}
 * (counted from its creation if it was never searched); else HOT when its p99 search latency (judged
 * only over at least {@code minQueries} searches), its searches per minute or its vector count (the
 * split threshold) is over its threshold; else NORMAL. Each verdict says why, in words.
 */
public record HeatRules(Duration hotP99, double hotQpm, long hotVectors, long minQueries, int coldIdleDays) {

    /** A heat and its reasons (empty for NORMAL). */
    public record Verdict(PartitionHeat heat, List<String> reasons) {
    }

    public HeatRules {
        if (hotP99.isNegative() || hotQpm < 0 || hotVectors < 0 || minQueries < 0 || coldIdleDays < 1) {
            throw new IllegalArgumentException("heat thresholds must not be negative, and idle-days at least 1");
        }
    }

    static HeatRules of(GatewayConfig.Partitions config) {
        return new HeatRules(config.hot().p99(), config.hot().qpm(), config.hot().vectors(), config.hot().minQueries(),
                config.cold().idleDays());
    }

    /**
     * The heat of a partition at {@code now}.
     *
     * @param lastQueryAt its last search by any process, {@code null} if never
     * @param queries     searches in the window (all processes)
     * @param p99Ms       p99 search latency over the window, {@code null} without searches
     */
    public Verdict judge(Instant now, Instant createdAt, Instant lastQueryAt, long queries, double qpm, Double p99Ms, long vectors) {
        Instant idleSince = lastQueryAt != null ? lastQueryAt : createdAt;
        if (queries == 0 && idleSince != null && !idleSince.isAfter(now.minus(Duration.ofDays(coldIdleDays)))) {
            return new Verdict(PartitionHeat.COLD, List.of(lastQueryAt == null
                    ? "never searched since it was created at " + createdAt + ", more than " + coldIdleDays + " days ago"
                    : "not searched since " + lastQueryAt + ", more than " + coldIdleDays + " days ago"));
        }
        List<String> reasons = new ArrayList<>();
        double p99Threshold = hotP99.toNanos() / 1_000_000.0;
        if (p99Ms != null && queries >= minQueries && p99Ms > p99Threshold) {
            reasons.add(String.format(Locale.ROOT, "p99 search latency %.1f ms over %s ms (gateway.partitions.hot.p99), over %d searches",
                    p99Ms, number(p99Threshold), queries));
        }
        if (qpm > hotQpm) {
            reasons.add(String.format(Locale.ROOT, "%.1f searches per minute over %s (gateway.partitions.hot.qpm)", qpm, number(hotQpm)));
        }
        if (vectors > hotVectors) {
            reasons.add(vectors + " vectors over the split threshold " + hotVectors + " (gateway.partitions.hot.vectors)");
        }
        return reasons.isEmpty() ? new Verdict(PartitionHeat.NORMAL, List.of()) : new Verdict(PartitionHeat.HOT, List.copyOf(reasons));
    }

    private static String number(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
