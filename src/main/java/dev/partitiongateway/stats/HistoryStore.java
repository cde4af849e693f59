package dev.partitiongateway.stats;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.PackedHistogram;
import org.jboss.logging.Logger;

/**
 * The last hour of each collection across gateway processes. Every statistics flush interval each process
 * writes the minutes it recorded since its last flush ({@link CollectionHistory}) to {@code collection_history};
 * {@link #lastMinutes} adds every process's rows up, minute by minute, with this process's minutes taken from
 * memory (so a reader on this process sees its own traffic at once) and its rows in PostgreSQL skipped.
 */
@ApplicationScoped
public class HistoryStore {

    private static final Logger LOG = Logger.getLogger(HistoryStore.class);

    /** One minute of a collection, or of all collections: what the console charts. */
    public record Minute(Instant at, long queries, long inserts, Double p50Ms, Double p95Ms, Double p99Ms) {
    }

    private final AgroalDataSource dataSource;
    private final CollectionHistory history;
    private final String process;
    private final Counter failures;
    /** The epoch minute of the last flush that succeeded: minutes before it were written whole. Guarded by this. */
    private long flushedFrom = Long.MIN_VALUE;

    HistoryStore(AgroalDataSource dataSource, PartitionStats stats, PartitionStatsFlush flush, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.history = stats.history();
        this.process = flush.process();
        this.failures = Counter.builder("gateway.history.flush.failures")
                .description("Flushes of the per-collection minute history to PostgreSQL that failed (retried at the next one)").register(meters);
    }

    @Scheduled(every = "${gateway.partitions.stats.flush-interval:10s}", delayed = "${gateway.partitions.stats.flush-interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        flush();
    }

    void onStop(@Observes ShutdownEvent event) {
        flush();
    }

    /** Writes the minutes recorded since the last flush; {@code false} if PostgreSQL refused (written at the next one). */
    public synchronized boolean flush() {
        long started = history.now();
        Map<String, List<SlidingWindow.Minute>> minutes = history.minutes(flushedFrom);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement s = c.prepareStatement("""
                        INSERT INTO collection_history (collection, minute, process, searches, inserts, latency)
                        SELECT name, ?, ?, ?, ?, ? FROM collections WHERE name = ?
                        ON CONFLICT (collection, minute, process) DO UPDATE SET
                            searches = EXCLUDED.searches, inserts = EXCLUDED.inserts, latency = EXCLUDED.latency""")) {
                    for (Map.Entry<String, List<SlidingWindow.Minute>> e : new TreeMap<>(minutes).entrySet()) {
                        for (SlidingWindow.Minute m : e.getValue()) {
                            s.setTimestamp(1, Timestamp.from(Instant.ofEpochMilli(m.minute() * SlidingWindow.MINUTE_MILLIS)));
                            s.setString(2, process);
                            s.setLong(3, m.searches());
                            s.setLong(4, m.inserts());
                            s.setBytes(5, encode(m.latency()));
                            s.setString(6, e.getKey());
                            s.addBatch();
                        }
                    }
                    s.executeBatch();
                }
                try (PreparedStatement s = c.prepareStatement("DELETE FROM collection_history WHERE minute < now() - interval '2 hours'")) {
                    s.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            failures.increment();
            LOG.warnf("could not write the collections' minute history (kept for the next flush): %s", e.toString());
            return false;
        }
        // The minute the flush started in may still get requests: the next flush writes it again.
        flushedFrom = Math.floorDiv(started, SlidingWindow.MINUTE_MILLIS);
        history.trim();
        return true;
    }

    /**
     * The last {@code count} minutes (the current one included, oldest first, a minute without traffic
     * included as zeros) of one collection, or of all of them when {@code collection} is {@code null}.
     */
    public List<Minute> lastMinutes(String collection, int count) throws SQLException {
        long current = Math.floorDiv(history.now(), SlidingWindow.MINUTE_MILLIS);
        long first = current - count + 1;
        Map<Long, AbstractHistogram> latency = new TreeMap<>();
        Map<Long, Long> inserts = new TreeMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT minute, inserts, latency FROM collection_history"
                     + " WHERE minute >= ? AND process <> ? AND (?::text IS NULL OR collection = ?)")) {
            s.setTimestamp(1, Timestamp.from(Instant.ofEpochMilli(first * SlidingWindow.MINUTE_MILLIS)));
            s.setString(2, process);
            s.setString(3, collection);
            s.setString(4, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    long minute = Math.floorDiv(rs.getTimestamp(1).getTime(), SlidingWindow.MINUTE_MILLIS);
                    add(latency, inserts, minute, rs.getLong(2), decode(rs.getBytes(3)));
                }
            }
        }
        history.minutes(first).forEach((name, minutes) -> {
            if (collection == null || collection.equals(name)) {
                minutes.forEach(m -> add(latency, inserts, m.minute(), m.inserts(), m.latency()));
            }
        });
        List<Minute> result = new ArrayList<>(count);
        for (long minute = first; minute <= current; minute++) {
            AbstractHistogram h = latency.get(minute);
            boolean searched = h != null && h.getTotalCount() > 0;
            result.add(new Minute(Instant.ofEpochMilli(minute * SlidingWindow.MINUTE_MILLIS), searched ? h.getTotalCount() : 0,
                    inserts.getOrDefault(minute, 0L), searched ? millis(h.getValueAtPercentile(50)) : null,
                    searched ? millis(h.getValueAtPercentile(95)) : null, searched ? millis(h.getValueAtPercentile(99)) : null));
        }
        return result;
    }

    private static void add(Map<Long, AbstractHistogram> latency, Map<Long, Long> inserts, long minute, long written, AbstractHistogram h) {
        latency.computeIfAbsent(minute, m -> SlidingWindow.emptyLatency()).add(h);
        inserts.merge(minute, written, Long::sum);
    }

    private static double millis(long micros) {
        return micros / 1000.0;
    }

    static byte[] encode(AbstractHistogram h) {
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer);
        byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return bytes;
    }

    static AbstractHistogram decode(byte[] bytes) {
        try {
            return PackedHistogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), SlidingWindow.HIGHEST_MICROS);
        } catch (DataFormatException e) {
            throw new IllegalStateException("a latency histogram in collection_history does not decode", e);
        }
    }
}
