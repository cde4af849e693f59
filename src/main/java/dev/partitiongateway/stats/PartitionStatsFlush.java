package dev.partitiongateway.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Writes what {@link PartitionStats} measured to PostgreSQL every {@code gateway.partitions.stats.flush-interval}
 * and at shutdown: last search and write times (so that idle detection works across restarts), and this
 * process's window figures (so that the admin API and the heat evaluation see every process's traffic).
 * A failed flush keeps everything for the next one. Partitions that are idle and written, or gone from
 * the directory, are dropped from memory.
 */
@ApplicationScoped
@Startup // its counter is exported from the start, at 0
public class PartitionStatsFlush {

    private static final Logger LOG = Logger.getLogger(PartitionStatsFlush.class);

    private final PartitionStats stats;
    private final PartitionStatsStore store;
    /** Names this process's rows; a restarted process is another one (its old rows go stale and are ignored). */
    private final String process = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
    private final Counter failures;

    PartitionStatsFlush(PartitionStats stats, PartitionStatsStore store, MeterRegistry meters) {
        this.stats = stats;
        this.store = store;
        this.failures = Counter.builder("gateway.stats.flush.failures")
                .description("Flushes of partition statistics to PostgreSQL that failed (retried at the next one)").register(meters);
    }

    @Scheduled(every = "${gateway.partitions.stats.flush-interval:10s}", delayed = "${gateway.partitions.stats.flush-interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        flush();
    }

    /** Writes everything measured so far; {@code false} if PostgreSQL refused (kept for the next flush). */
    public synchronized boolean flush() {
        long now = stats.now();
        List<PartitionLoad> all = stats.all();
        List<PartitionStatsStore.Times> times = new ArrayList<>();
        List<PartitionStatsStore.Load> loads = new ArrayList<>();
        List<Long> emptied = new ArrayList<>();
        /** What was read of each partition sent: its last query and write times, whether its window had traffic. */
        Map<Long, long[]> sent = new HashMap<>();
        for (PartitionLoad load : all) {
            long lastQuery = load.lastQueryMillis();
            long lastWrite = load.lastWriteMillis();
            boolean newTimes = lastQuery > load.flushedQueryMillis || lastWrite > load.flushedWriteMillis;
            if (newTimes) {
                times.add(new PartitionStatsStore.Times(load.partitionId,
                        lastQuery > load.flushedQueryMillis ? Instant.ofEpochMilli(lastQuery) : null,
                        lastWrite > load.flushedWriteMillis ? Instant.ofEpochMilli(lastWrite) : null));
            }
            WindowFigures figures = load.window.figures(now);
            if (!figures.idle()) {
                loads.add(new PartitionStatsStore.Load(load.partitionId, figures));
            } else if (load.loadRowWritten) {
                emptied.add(load.partitionId);
            }
            if (newTimes || !figures.idle()) {
                sent.put(load.partitionId, new long[] {lastQuery, lastWrite, figures.idle() ? 0 : 1});
            }
        }
        Set<Long> existing;
        try {
            existing = store.write(process, times, loads, emptied);
        } catch (Exception e) {
            failures.increment();
            LOG.warnf("could not write partition statistics (kept for the next flush): %s", e.toString());
            return false;
        }
        for (PartitionLoad load : all) {
            long[] written = sent.get(load.partitionId);
            if (written != null && !existing.contains(load.partitionId)) {
                stats.forget(load); // gone from the directory
                continue;
            }
            if (written != null) {
                load.flushedQueryMillis = Math.max(load.flushedQueryMillis, written[0]);
                load.flushedWriteMillis = Math.max(load.flushedWriteMillis, written[1]);
            }
            load.loadRowWritten = written != null && written[2] == 1;
            load.window.trim(now);
            if (!load.loadRowWritten && load.flushed() && load.window.figures(now).idle()) {
                stats.forget(load); // nothing in its window, everything written: it costs no memory until its next search or write
            }
        }
        return true;
    }

    /** The name of this process in {@code partition_load}. */
    String process() {
        return process;
    }

    /** Writes the last times at shutdown, and withdraws this process's window figures: it no longer serves. */
    void onStop(@Observes ShutdownEvent event) {
        if (flush()) {
            try {
                store.forgetProcess(process);
            } catch (Exception e) {
                LOG.warnf("could not withdraw this process's partition figures (they go stale on their own): %s", e.toString());
            }
        }
    }
}
