package dev.partitiongateway.stats;

import dev.partitiongateway.config.GatewayConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Per-partition series in {@code /q/metrics} for the {@code gateway.metrics.top-partitions} partitions
 * with the most load on this process (searches plus vectors written per minute over the window), never
 * more: 100,000 partitions stay at most that many label sets. Every
 * {@code gateway.metrics.refresh-interval} the ranking is redone; a partition that enters the top gets
 * its series, one that leaves it has them removed. Scrapes read values computed at the refresh.
 *
 * <p>Series, each with labels {@code collection}, {@code tenant} ({@code _shared} for a shared bucket) and
 * {@code partition} (the placement name): {@code gateway_partition_queries_per_minute},
 * {@code gateway_partition_inserts_per_minute}, {@code gateway_partition_search_p50_seconds},
 * {@code gateway_partition_search_p95_seconds}, {@code gateway_partition_search_p99_seconds},
 * {@code gateway_partition_vectors}.
 */
@ApplicationScoped
public class TopPartitionMeters {

    private static final Logger LOG = Logger.getLogger(TopPartitionMeters.class);
    static final String SHARED_TENANT = "_shared";

    /** The values behind one partition's series, set at each refresh. */
    private static final class Series {
        volatile double qpm;
        volatile double ipm;
        volatile double p50 = Double.NaN;
        volatile double p95 = Double.NaN;
        volatile double p99 = Double.NaN;
        volatile double vectors = Double.NaN;
        final List<Gauge> gauges = new ArrayList<>();
    }

    private final PartitionStats stats;
    private final PartitionStatsStore store;
    private final MeterRegistry meters;
    private final int top;
    private final Map<Long, Series> exported = new HashMap<>();

    TopPartitionMeters(PartitionStats stats, PartitionStatsStore store, MeterRegistry meters, GatewayConfig config) {
        this.stats = stats;
        this.store = store;
        this.meters = meters;
        this.top = config.metrics().topPartitions();
    }

    @Scheduled(every = "${gateway.metrics.refresh-interval:15s}", delayed = "${gateway.metrics.refresh-interval:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        refresh();
    }

    /** Ranks the partitions again and updates the exported series; returns the partition ids exported. */
    public synchronized Set<Long> refresh() {
        long now = stats.now();
        record Ranked(PartitionLoad partition, double load) {
        }
        // Ranked by the cheap load alone; percentiles are computed for the partitions kept only.
        List<Ranked> ranked = new ArrayList<>();
        for (PartitionLoad load : stats.all()) {
            double l = load.window.load(now);
            if (l > 0) {
                ranked.add(new Ranked(load, l));
            }
        }
        ranked.sort(Comparator.comparingDouble(Ranked::load).reversed().thenComparingLong(r -> r.partition().partitionId));
        List<Ranked> kept = ranked.subList(0, Math.min(top, ranked.size()));
        Set<Long> ids = new LinkedHashSet<>();
        kept.forEach(r -> ids.add(r.partition().partitionId));
        Map<Long, Long> vectors = Map.of();
        try {
            vectors = store.vectorCounts(ids);
        } catch (Exception e) {
            LOG.debugf("vector counts for the partition series unavailable this time: %s", e.toString());
        }
        for (Long gone : List.copyOf(exported.keySet())) {
            if (!ids.contains(gone)) {
                exported.remove(gone).gauges.forEach(meters::remove);
            }
        }
        for (Ranked r : kept) {
            Series s = exported.computeIfAbsent(r.partition().partitionId, id -> register(r.partition()));
            WindowFigures f = r.partition().window.figures(now);
            s.qpm = f.qpm();
            s.ipm = f.ipm();
            s.p50 = seconds(f.p50Ms());
            s.p95 = seconds(f.p95Ms());
            s.p99 = seconds(f.p99Ms());
            Long count = vectors.get(r.partition().partitionId);
            if (count != null) {
                s.vectors = count;
            }
        }
        return ids;
    }

    private static double seconds(Double millis) {
        return millis == null ? Double.NaN : millis / 1000.0;
    }

    private Series register(PartitionLoad load) {
        Series s = new Series();
        Tags tags = Tags.of("collection", load.collection, "tenant", load.tenantId == null ? SHARED_TENANT : load.tenantId,
                "partition", load.placement);
        s.gauges.add(Gauge.builder("gateway.partition.queries.per.minute", s, x -> x.qpm).tags(tags)
                .description("Searches of the partition per minute over the sliding window (top partitions by load only)").register(meters));
        s.gauges.add(Gauge.builder("gateway.partition.inserts.per.minute", s, x -> x.ipm).tags(tags)
                .description("Vectors written to the partition per minute over the sliding window (top partitions by load only)").register(meters));
        s.gauges.add(Gauge.builder("gateway.partition.search.p50", s, x -> x.p50).tags(tags).baseUnit("seconds")
                .description("Median search latency of the partition over the sliding window (top partitions by load only)").register(meters));
        s.gauges.add(Gauge.builder("gateway.partition.search.p95", s, x -> x.p95).tags(tags).baseUnit("seconds")
                .description("p95 search latency of the partition over the sliding window (top partitions by load only)").register(meters));
        s.gauges.add(Gauge.builder("gateway.partition.search.p99", s, x -> x.p99).tags(tags).baseUnit("seconds")
                .description("p99 search latency of the partition over the sliding window (top partitions by load only)").register(meters));
        s.gauges.add(Gauge.builder("gateway.partition.vectors", s, x -> x.vectors).tags(tags)
                .description("Vectors in the partition, from the directory (top partitions by load only)").register(meters));
        return s;
    }
}
