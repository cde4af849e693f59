package dev.partitiongateway.jobs;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.PartitionLookup;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.registry.VectorRegistry;
import dev.partitiongateway.registry.WriteLocks;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.Consistency;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.RecordCursor;
import dev.partitiongateway.spi.ScanRequest;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Brings the registry, the quotas and the backends back into exact agreement after crashes and
 * backend faults. One pass runs at a time across every gateway process sharing the database (a
 * session advisory lock); it runs on a schedule and on demand.
 *
 * <p>For each tenant and collection, holding the tenant's writes off ({@link WriteLocks}):
 * <ol>
 *   <li>PENDING rows (a write that died between registering and confirming): confirmed when the
 *       backend holds the record, else removed with their quota;</li>
 *   <li>each partition: counts compared first; on a mismatch, ids compared. A record the backend holds
 *       and the registry does not is an orphan (a write that died before its commit): deleted, or
 *       adopted if so configured; a copy in a partition other than the registry's is stale (a move
 *       that died half-way) and deleted; an id the registry holds and the backend lost is unregistered
 *       and its quota given back;</li>
 *   <li>usage and partition counts are recounted from the registry.</li>
 * </ol>
 * With an eventually consistent backend, rows changed within {@code gateway.reconciler.settle} are
 * not judged. Every repair is counted in {@code gateway_reconciler_repairs_total{kind}}.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    private static final int FETCH_BATCH = 500;

    /** What one pass did. {@code ran} is false when another process was already running a pass. */
    public record Report(boolean ran, int checked, long pendingConfirmed, long pendingAbandoned, long orphansDeleted,
                         long orphansAdopted, long staleCopiesDeleted, long lostUnregistered, long usageCorrected,
                         long countsCorrected) {
        public long repairs() {
            return pendingConfirmed + pendingAbandoned + orphansDeleted + orphansAdopted + staleCopiesDeleted + lostUnregistered
                    + usageCorrected + countsCorrected;
        }
    }

    private final AgroalDataSource dataSource;
    private final BackendRegistry backends;
    private final GatewayConfig.Reconciler config;
    private final Map<String, Counter> repairs = new HashMap<>();
    private final AtomicLong lastPassEpochSeconds = new AtomicLong();

    Reconciler(AgroalDataSource dataSource, BackendRegistry backends, GatewayConfig config, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.backends = backends;
        this.config = config.reconciler();
        for (String kind : List.of("pending_confirmed", "pending_abandoned", "orphan_deleted", "orphan_adopted", "stale_copy_deleted",
                "lost_unregistered", "usage_corrected", "count_corrected")) {
            repairs.put(kind, Counter.builder("gateway.reconciler.repairs")
                    .description("Disagreements between registry, quotas and backends that the reconciler repaired")
                    .tag("kind", kind).register(meters));
        }
        meters.gauge("gateway.reconciler.last.pass.seconds", lastPassEpochSeconds, AtomicLong::get);
    }

    @Scheduled(every = "${gateway.reconciler.interval:10m}", delayed = "${gateway.reconciler.interval:10m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        if (!config.enabled()) {
            return;
        }
        try {
            Report report = reconcile(Optional.empty());
            if (report.ran() && report.repairs() > 0) {
                LOG.warnf("reconciler repaired disagreements: %s", report);
            }
        } catch (RuntimeException e) {
            LOG.warnf("reconciler pass failed, will run again: %s", e.toString());
        }
    }

    /** Runs a pass now over every collection, or one; returns at once with {@code ran=false} if another process runs one. */
    public Report reconcile(Optional<String> onlyCollection) {
        try (Connection session = dataSource.getConnection()) {
            session.setAutoCommit(true);
            if (!WriteLocks.tryReconcilerLock(session)) {
                return new Report(false, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            }
            try {
                Tally tally = new Tally();
                for (String[] pair : pairs(session, onlyCollection)) {
                    reconcile(pair[0], pair[1], tally);
                    tally.checked++;
                }
                for (String tenant : tenantsOf(session, onlyCollection)) {
                    recount(tenant, tally);
                }
                recountBuckets(session, onlyCollection, tally);
                lastPassEpochSeconds.set(Instant.now().getEpochSecond());
                return tally.report();
            } finally {
                try {
                    WriteLocks.releaseReconcilerLock(session);
                } catch (SQLException | RuntimeException e) {
                    WriteLocks.discardSession(session); // it may still hold the lock: never back to the pool
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reconciler pass failed in the database", e);
        }
    }

    // ---------------------------------------------------------------- one tenant in one collection

    private void reconcile(String tenant, String collectionName, Tally tally) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                WriteLocks.excludeTenantWrites(c, tenant);
                WriteLocks.keepCollection(c, collectionName);
                Optional<CollectionView> found = PartitionLookup.collection(c, collectionName);
                if (found.isEmpty()) {
                    c.rollback();
                    return;
                }
                CollectionView collection = found.get();
                VectorBackend backend = backends.get(collection.backend());
                Instant judgeBefore = backend.capabilities().consistency() == Consistency.EVENTUAL
                        ? Instant.now().minus(config.settle()) : Instant.MAX;
                List<PartitionView> partitions = PartitionLookup.tenantPartitions(c, collection, tenant);
                Map<Long, PartitionView> byId = new HashMap<>();
                partitions.forEach(p -> byId.put(p.id(), p));
                settlePending(c, tenant, collection, backend, byId, judgeBefore, tally);
                for (PartitionView partition : partitions) {
                    compare(c, tenant, collection, backend, partition, judgeBefore, tally);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private void settlePending(Connection c, String tenant, CollectionView collection, VectorBackend backend,
                               Map<Long, PartitionView> partitions, Instant judgeBefore, Tally tally) throws SQLException {
        Map<String, Long> pending = VectorRegistry.pending(c, tenant, collection.name());
        if (pending.isEmpty()) {
            return;
        }
        if (judgeBefore != Instant.MAX) {
            pending.keySet().retainAll(olderThan(c, tenant, collection.name(), pending.keySet(), judgeBefore));
        }
        Map<Long, List<String>> byPartition = new LinkedHashMap<>();
        pending.forEach((id, p) -> byPartition.computeIfAbsent(p, k -> new ArrayList<>()).add(id));
        Map<Long, PartitionView> known = new HashMap<>(partitions);
        known.putAll(PartitionLookup.byId(c, byPartition.keySet()));
        Set<String> present = new HashSet<>();
        for (Map.Entry<Long, List<String>> e : byPartition.entrySet()) {
            PartitionView partition = known.get(e.getKey());
            if (partition == null) {
                continue;
            }
            Placement placement = partition.placementFor(collection, tenant);
            for (int i = 0; i < e.getValue().size(); i += FETCH_BATCH) {
                List<String> chunk = e.getValue().subList(i, Math.min(i + FETCH_BATCH, e.getValue().size()));
                try {
                    backend.fetch(placement, chunk).forEach(r -> present.add(r.id()));
                } catch (BackendException.NotFound missing) {
                    // the placement is gone: none of them is there
                }
            }
        }
        List<String> confirmed = pending.keySet().stream().filter(present::contains).toList();
        List<String> abandoned = pending.keySet().stream().filter(id -> !present.contains(id)).toList();
        VectorRegistry.activate(c, tenant, collection.name(), confirmed);
        VectorRegistry.unregister(c, tenant, collection.name(), abandoned);
        tally.add("pending_confirmed", confirmed.size());
        tally.add("pending_abandoned", abandoned.size());
    }

    private void compare(Connection c, String tenant, CollectionView collection, VectorBackend backend, PartitionView partition,
                         Instant judgeBefore, Tally tally) throws SQLException {
        Placement placement = partition.placementFor(collection, tenant);
        long registered = VectorRegistry.countActive(c, partition.id(), tenant);
        long stored;
        try {
            stored = backend.count(placement, null);
        } catch (BackendException.NotFound missing) {
            // The placement is gone (lost, or never created by a process that died): recreate it empty.
            backend.ensurePartition(placement);
            stored = 0;
        }
        if (stored == registered && judgeBefore == Instant.MAX) {
            return;
        }
        Set<String> inBackend = new HashSet<>();
        try (RecordCursor cursor = backend.scan(placement, new ScanRequest(1000, null, false))) {
            for (List<VectorRecord> page = cursor.next(); !page.isEmpty(); page = cursor.next()) {
                page.forEach(r -> inBackend.add(r.id()));
            }
        }
        Map<String, Instant> inRegistry = VectorRegistry.activeIds(c, partition.id(), tenant);
        List<String> lost = inRegistry.entrySet().stream()
                .filter(e -> !inBackend.contains(e.getKey()) && e.getValue().isBefore(judgeBefore))
                .map(Map.Entry::getKey).toList();
        Set<String> extra = new TreeSet<>(inBackend);
        extra.removeAll(inRegistry.keySet());
        Map<String, Long> elsewhere = VectorRegistry.partitionsOf(c, tenant, collection.name(), extra);
        List<String> stale = extra.stream().filter(id -> elsewhere.containsKey(id) && elsewhere.get(id) != partition.id()).toList();
        List<String> orphans = extra.stream().filter(id -> !elsewhere.containsKey(id)).toList();

        deleteFromBackend(backend, placement, stale);
        tally.add("stale_copy_deleted", stale.size());
        if (config.orphans() == GatewayConfig.Reconciler.OrphanPolicy.ADOPT) {
            tally.add("orphan_adopted", VectorRegistry.adopt(c, tenant, collection.name(), partition.id(), orphans));
        } else {
            deleteFromBackend(backend, placement, orphans);
            tally.add("orphan_deleted", orphans.size());
        }
        VectorRegistry.unregister(c, tenant, collection.name(), lost);
        tally.add("lost_unregistered", lost.size());
    }

    private static void deleteFromBackend(VectorBackend backend, Placement placement, List<String> ids) {
        int batch = Math.min(FETCH_BATCH, backend.capabilities().maxBatchSize());
        for (int i = 0; i < ids.size(); i += batch) {
            backend.delete(placement, ids.subList(i, Math.min(i + batch, ids.size())));
        }
    }

    // ---------------------------------------------------------------- usage and counts

    /**
     * Sets the tenant's usage to its registry rows (pending ones hold reserved quota) and each of its
     * partitions' counts to their active rows, with no write of the tenant in flight and none of its
     * collections being dropped.
     */
    private void recount(String tenant, Tally tally) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                WriteLocks.excludeTenantWrites(c, tenant);
                for (String collection : new TreeSet<>(collectionsOf(c, tenant))) {
                    WriteLocks.keepCollection(c, collection);
                }
                try (PreparedStatement s = c.prepareStatement("""
                        UPDATE tenant_usage u SET vectors = r.n, updated_at = now()
                        FROM (SELECT count(*) AS n FROM vector_registry WHERE tenant_id = ?) r
                        WHERE u.tenant_id = ? AND u.vectors <> r.n""")) {
                    s.setString(1, tenant);
                    s.setString(2, tenant);
                    tally.add("usage_corrected", s.executeUpdate());
                }
                try (PreparedStatement s = c.prepareStatement("""
                        UPDATE partitions p SET vector_count = r.n, updated_at = now()
                        FROM (SELECT q.id, (SELECT count(*) FROM vector_registry v
                                            WHERE v.partition_id = q.id AND v.tenant_id = ? AND v.state = 'ACTIVE') AS n
                              FROM partitions q WHERE q.tenant_id = ?) r
                        WHERE p.id = r.id AND p.vector_count <> r.n""")) {
                    s.setString(1, tenant);
                    s.setString(2, tenant);
                    tally.add("count_corrected", s.executeUpdate());
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** A shared bucket's count is the sum over its tenants: recounted on its own (it is shown, never used for quotas). */
    private void recountBuckets(Connection c, Optional<String> onlyCollection, Tally tally) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                UPDATE partitions p SET vector_count = r.n, updated_at = now()
                FROM (SELECT q.id, (SELECT count(*) FROM vector_registry v WHERE v.partition_id = q.id AND v.state = 'ACTIVE') AS n
                      FROM partitions q WHERE q.strategy = 'SHARED_HASH' AND (?::text IS NULL OR q.collection = ?)) r
                WHERE p.id = r.id AND p.vector_count <> r.n""")) {
            s.setString(1, onlyCollection.orElse(null));
            s.setString(2, onlyCollection.orElse(null));
            tally.add("count_corrected", s.executeUpdate());
        }
    }

    // ---------------------------------------------------------------- what to check

    /**
     * Every (tenant, collection) that may disagree: a tenant's data always comes with a directory row
     * (created before any write) or registry rows (registered before the backend is written).
     */
    private static List<String[]> pairs(Connection c, Optional<String> onlyCollection) throws SQLException {
        List<String[]> pairs = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT tenant_id, collection FROM partitions WHERE tenant_id IS NOT NULL AND (?::text IS NULL OR collection = ?)
                UNION
                SELECT DISTINCT tenant_id, collection FROM vector_registry WHERE (?::text IS NULL OR collection = ?)
                ORDER BY 1, 2""")) {
            s.setString(1, onlyCollection.orElse(null));
            s.setString(2, onlyCollection.orElse(null));
            s.setString(3, onlyCollection.orElse(null));
            s.setString(4, onlyCollection.orElse(null));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    pairs.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        return pairs;
    }

    private static List<String> tenantsOf(Connection c, Optional<String> onlyCollection) throws SQLException {
        List<String> tenants = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(onlyCollection.isEmpty()
                ? "SELECT id FROM tenants ORDER BY id"
                : "SELECT tenant_id FROM partitions WHERE collection = ? AND tenant_id IS NOT NULL UNION "
                + "SELECT DISTINCT tenant_id FROM vector_registry WHERE collection = ? ORDER BY 1")) {
            if (onlyCollection.isPresent()) {
                s.setString(1, onlyCollection.get());
                s.setString(2, onlyCollection.get());
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    tenants.add(rs.getString(1));
                }
            }
        }
        return tenants;
    }

    private static List<String> collectionsOf(Connection c, String tenant) throws SQLException {
        List<String> collections = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT DISTINCT collection FROM vector_registry WHERE tenant_id = ?")) {
            s.setString(1, tenant);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    collections.add(rs.getString(1));
                }
            }
        }
        return collections;
    }

    private static Set<String> olderThan(Connection c, String tenant, String collection, Set<String> ids, Instant before) throws SQLException {
        Set<String> old = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT external_id FROM vector_registry
                WHERE tenant_id = ? AND collection = ? AND external_id = ANY (?) AND updated_at < ?""")) {
            s.setString(1, tenant);
            s.setString(2, collection);
            s.setArray(3, c.createArrayOf("varchar", ids.toArray()));
            s.setTimestamp(4, java.sql.Timestamp.from(before));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    old.add(rs.getString(1));
                }
            }
        }
        return old;
    }

    /** Counts of one pass, also added to the repair counters. */
    private final class Tally {
        int checked;
        final Map<String, Long> counts = new HashMap<>();

        void add(String kind, long n) {
            if (n > 0) {
                counts.merge(kind, n, Long::sum);
                repairs.get(kind).increment(n);
            }
        }

        Report report() {
            return new Report(true, checked, get("pending_confirmed"), get("pending_abandoned"), get("orphan_deleted"),
                    get("orphan_adopted"), get("stale_copy_deleted"), get("lost_unregistered"), get("usage_corrected"),
                    get("count_corrected"));
        }

        private long get(String kind) {
            return counts.getOrDefault(kind, 0L);
        }
    }
}
