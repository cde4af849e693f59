package dev.partitiongateway.jobs;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.PartitionLookup;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.catalog.Partitioning;
import dev.partitiongateway.cluster.Change;
import dev.partitiongateway.cluster.ChangeNotifier;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.registry.QuotaLedger;
import dev.partitiongateway.registry.WriteLocks;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.jboss.logging.Logger;

/**
 * Retention of time-partitioned collections, as a {@code RETENTION} job per collection: drops every
 * window that ended more than the collection's {@code retentionDays} ago, on the backend, in the
 * directory and in the registry, and gives its vectors' quota back. One window at a time, holding its
 * tenant's writes off (so no write lands in a window being dropped), each drop fenced by the job's
 * lease and recorded in {@code retention_drops}; a resumed run finds the windows still there. Scheduled
 * rounds run once across all gateway processes ({@link ScheduledRounds}) and enqueue one job per
 * collection; {@link #runNow} enqueues one (or joins the one already waiting) on demand.
 */
@ApplicationScoped
public class RetentionJob implements JobHandler {

    private static final Logger LOG = Logger.getLogger(RetentionJob.class);
    static final String ROUND = "retention";
    public static final String TYPE = "RETENTION";
    /** At most this many dropped windows are listed in a job's result (all are in {@code retention_drops}). */
    private static final int LISTED = 1000;

    /** One window dropped. */
    public record Dropped(String collection, String tenant, String placement, Instant from, Instant to, long vectors) {
    }

    private final AgroalDataSource dataSource;
    private final BackendRegistry backends;
    private final ChangeNotifier changes;
    private final ScheduledRounds rounds;
    private final JobStore jobs;
    private final GatewayConfig.Retention config;
    private final Counter droppedWindows;

    RetentionJob(AgroalDataSource dataSource, BackendRegistry backends, ChangeNotifier changes, ScheduledRounds rounds,
                 JobStore jobs, GatewayConfig config, MeterRegistry meters) {
        this.jobs = jobs;
        this.dataSource = dataSource;
        this.backends = backends;
        this.changes = changes;
        this.rounds = rounds;
        this.config = config.retention();
        this.droppedWindows = Counter.builder("gateway.retention.dropped.windows")
                .description("Time windows dropped by retention").register(meters);
    }

    @Scheduled(every = "${gateway.retention.interval:1h}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        if (!config.enabled()) {
            return;
        }
        OptionalLong round = rounds.claim(ROUND, config.interval());
        if (round.isEmpty()) {
            return;
        }
        try {
            int enqueued = 0;
            for (String collection : timePartitioned()) {
                try {
                    jobs.enqueue(new JobStore.NewJob(TYPE, collection, null, collection, Map.of(), "schedule"));
                    enqueued++;
                } catch (ApiException alreadyQueued) {
                    // the collection's retention job of an earlier round has not finished yet
                }
            }
            LOG.infof("retention round %d by %s enqueued %d retention jobs", round.getAsLong(), rounds.runner(), enqueued);
        } catch (RuntimeException e) {
            LOG.warnf("retention round %d failed, the next one tries again: %s", round.getAsLong(), e.toString());
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    /**
     * Enqueues the collection's retention job, or joins the one not yet finished; the collection must be
     * time-partitioned (else 400).
     */
    public Job runNow(String collectionName) {
        try (Connection c = dataSource.getConnection()) {
            retentionDays(c, collectionName);
            try {
                return jobs.enqueue(c, new JobStore.NewJob(TYPE, collectionName, null, collectionName, Map.of(), "operator"));
            } catch (ApiException alreadyQueued) {
                return jobs.list(null, TYPE, collectionName, null, 10).jobs().stream().filter(j -> !j.state().isFinal()).findFirst()
                        .orElseGet(() -> jobs.enqueue(new JobStore.NewJob(TYPE, collectionName, null, collectionName, Map.of(), "operator")));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("retention of " + collectionName + " failed in the database", e);
        }
    }

    @Override
    public Outcome run(JobContext ctx) throws SQLException {
        String collectionName = ctx.job().collection();
        List<Map<String, Object>> listed = new ArrayList<>();
        long dropped = 0;
        long vectors = 0;
        try (Connection c = dataSource.getConnection()) {
            Optional<CollectionView> found = PartitionLookup.collection(c, collectionName);
            if (found.isEmpty()) {
                return Outcome.succeeded(Map.of("dropped", List.of(), "windows", 0, "note", "the collection no longer exists"));
            }
            CollectionView collection = found.get();
            Integer days = retentionDays(c, collectionName);
            if (days != null) {
                Instant horizon = Instant.now().minus(Duration.ofDays(days));
                List<Long> expired = expired(c, collectionName, horizon);
                for (long partitionId : expired) {
                    if (ctx.cancelRequested()) {
                        return Outcome.cancelled(result(listed, dropped, vectors));
                    }
                    if (ctx.stopRequested()) {
                        return Outcome.yielded();
                    }
                    Optional<Dropped> d = drop(c, ctx, collection, partitionId, horizon);
                    if (d.isPresent()) {
                        dropped++;
                        vectors += d.get().vectors();
                        if (listed.size() < LISTED) {
                            listed.add(Map.of("tenant", d.get().tenant(), "placement", d.get().placement(), "from", d.get().from().toString(),
                                    "to", d.get().to().toString(), "vectors", d.get().vectors()));
                        }
                    }
                    ctx.progress(dropped, (long) expired.size(), Long.toString(partitionId));
                }
            }
        }
        return Outcome.succeeded(result(listed, dropped, vectors));
    }

    private static Map<String, Object> result(List<Map<String, Object>> listed, long windows, long vectors) {
        return Map.of("dropped", listed, "windows", windows, "vectors", vectors);
    }

    /** The collection's retention, or a 404/400 if it has none to run. */
    private static Integer retentionDays(Connection c, String collectionName) throws SQLException {
        CollectionView collection = PartitionLookup.collection(c, collectionName)
                .orElseThrow(() -> ApiException.notFound("collection '" + collectionName + "'"));
        if (!(collection.partitioning() instanceof Partitioning.TenantTime time)) {
            throw ApiException.invalid("collection", "'" + collectionName + "' is not partitioned by time, so it has no retention");
        }
        return time.retentionDays();
    }

    private Optional<Dropped> drop(Connection c, JobContext ctx, CollectionView collection, long partitionId, Instant horizon)
            throws SQLException {
        String tenant;
        c.setAutoCommit(false);
        try {
            ctx.fence(c);
            Optional<String> owner = ownerOf(c, partitionId);
            if (owner.isEmpty()) {
                c.rollback();
                return Optional.empty();
            }
            tenant = owner.get();
            WriteLocks.excludeTenantWrites(c, tenant);
            WriteLocks.keepCollection(c, collection.name());
            PartitionView partition = PartitionLookup.byId(c, List.of(partitionId)).get(partitionId);
            if (partition == null || partition.windowEnd().isAfter(horizon)) {
                c.rollback(); // dropped meanwhile by another process
                return Optional.empty();
            }
            long vectors = registeredIn(c, partitionId);
            backends.get(collection.backend()).dropPartition(partition.placementFor(collection, tenant));
            try (PreparedStatement s = c.prepareStatement("DELETE FROM partitions WHERE id = ?")) { // cascades to the registry
                s.setLong(1, partitionId);
                s.executeUpdate();
            }
            QuotaLedger.adjust(c, tenant, -vectors);
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO retention_drops (collection, tenant_id, placement, window_start, window_end, vectors, dropped_at)
                    VALUES (?, ?, ?, ?, ?, ?, now())""")) {
                s.setString(1, collection.name());
                s.setString(2, tenant);
                s.setString(3, partition.placementName());
                s.setTimestamp(4, Timestamp.from(partition.windowStart()));
                s.setTimestamp(5, Timestamp.from(partition.windowEnd()));
                s.setLong(6, vectors);
                s.executeUpdate();
            }
            c.commit();
            c.setAutoCommit(true);
            changes.publishCommitted(c, Change.directory(collection.name(), tenant));
            droppedWindows.increment();
            return Optional.of(new Dropped(collection.name(), tenant, partition.placementName(), partition.windowStart(),
                    partition.windowEnd(), vectors));
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private List<String> timePartitioned() {
        List<String> names = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     SELECT name FROM collections WHERE strategy = 'TENANT_TIME' AND partitioning ->> 'retentionDays' IS NOT NULL ORDER BY name""");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list time-partitioned collections", e);
        }
        return names;
    }

    private static List<Long> expired(Connection c, String collection, Instant horizon) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT id FROM partitions WHERE collection = ? AND strategy = 'TENANT_TIME' AND window_end <= ? ORDER BY window_start, id""")) {
            s.setString(1, collection);
            s.setTimestamp(2, Timestamp.from(horizon));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }

    private static Optional<String> ownerOf(Connection c, long partitionId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT tenant_id FROM partitions WHERE id = ?")) {
            s.setLong(1, partitionId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private static long registeredIn(Connection c, long partitionId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM vector_registry WHERE partition_id = ?")) {
            s.setLong(1, partitionId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
