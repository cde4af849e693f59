package dev.partitiongateway.stats;

import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's in-memory statistics of every partition with recent traffic on this process: search
 * latencies, searches and vectors written per minute over a sliding window, last search and last write.
 * The search and write paths call it after their work; it never touches PostgreSQL and takes no lock
 * shared between partitions (a lock-free map, then the partition's own window, see {@link SlidingWindow}).
 * {@link PartitionStatsFlush} writes what it holds to PostgreSQL periodically.
 */
@ApplicationScoped
public class PartitionStats {

    private final Map<Long, PartitionLoad> loads = new ConcurrentHashMap<>();
    private final Clock clock;
    private final int windowMinutes;
    private final CollectionHistory history;

    @Inject
    PartitionStats(GatewayConfig config) {
        this(Clock.systemUTC(), windowMinutes(config.partitions().stats().window()));
    }

    PartitionStats(Clock clock, int windowMinutes) {
        this.clock = clock;
        this.windowMinutes = windowMinutes;
        this.history = new CollectionHistory(clock);
    }

    static int windowMinutes(java.time.Duration window) {
        if (window.toSeconds() % 60 != 0 || window.toMinutes() < 1 || window.toMinutes() > 60) {
            throw new IllegalArgumentException("gateway.partitions.stats.window is " + window + "; it must be whole minutes, 1m to 60m");
        }
        return (int) window.toMinutes();
    }

    /**
     * A search covered these partitions; {@code latencyMicros} holds, by placement name, how long the
     * backend call that covered each took (partitions searched in one call share its latency).
     * Partitions without a latency (their call failed before answering) are not counted.
     */
    public void searched(Collection<PartitionView> partitions, Map<String, Long> latencyMicros) {
        long now = clock.millis();
        long slowest = -1;
        String collection = null;
        for (PartitionView p : partitions) {
            Long micros = latencyMicros.get(p.placementName());
            if (micros != null) {
                load(p).searched(now, micros);
                slowest = Math.max(slowest, micros);
                collection = p.collection();
            }
        }
        if (collection != null) {
            history.searched(collection, slowest); // one request, as long as its slowest call (they run in parallel)
        }
    }

    /** An upsert wrote these vectors ({@code partitionOf}: vector id to partition id) to these partitions. */
    public void upserted(Map<Long, PartitionView> partitions, Map<String, Long> partitionOf) {
        long now = clock.millis();
        Map<Long, Long> vectors = new HashMap<>();
        partitionOf.values().forEach(id -> vectors.merge(id, 1L, Long::sum));
        vectors.forEach((id, count) -> {
            PartitionView p = partitions.get(id);
            if (p != null) {
                load(p).written(now, count);
                history.written(p.collection(), count);
            }
        });
    }

    /** Vectors were deleted from these partitions: a write, though nothing was inserted. */
    public void deleted(Collection<PartitionView> partitions) {
        long now = clock.millis();
        for (PartitionView p : partitions) {
            load(p).written(now, 0);
        }
    }

    private PartitionLoad load(PartitionView p) {
        PartitionLoad load = loads.get(p.id());
        return load != null ? load
                : loads.computeIfAbsent(p.id(), id -> new PartitionLoad(id, p.collection(), p.tenantId(), p.placementName(), windowMinutes));
    }

    /** The window's figures of one partition on this process now; {@link WindowFigures#NONE} without recent traffic. */
    public WindowFigures figures(long partitionId) {
        PartitionLoad load = loads.get(partitionId);
        return load == null ? WindowFigures.NONE : load.window.figures(clock.millis());
    }

    Optional<PartitionLoad> find(long partitionId) {
        return Optional.ofNullable(loads.get(partitionId));
    }

    /** Every partition this process holds figures of, at this instant. */
    List<PartitionLoad> all() {
        return List.copyOf(loads.values());
    }

    /**
     * Forgets a partition: its figures are written, and nothing happened in its window (or it is gone
     * from the directory). A request that records into it at this very instant loses that one sample.
     */
    void forget(PartitionLoad load) {
        loads.remove(load.partitionId, load);
    }

    long now() {
        return clock.millis();
    }

    /** Each collection's last hour on this process, minute by minute. */
    CollectionHistory history() {
        return history;
    }

    int windowMinutes() {
        return windowMinutes;
    }
}
