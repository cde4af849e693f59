package dev.partitiongateway.jobs;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.HashShard;
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
 * A split moves vectors out of a DRAINING partition into the shard of its key that owns each id, and a
 * batch of it holds the tenant shared, so a pass never sees one half done. A split that died half-way
 * through a batch may have left a vector in that shard only, while its row still names the DRAINING
 * partition: that is a move to complete (the row is pointed at the shard), never a loss, and the copy
 * in the shard is never deleted as stale while the DRAINING partition does not hold the vector. A
 * promotion moves one tenant's vectors out of its shared bucket (which stays routable for the others)
 * into its own partition the same way, and is understood the same way: the bucket is, for that tenant,
 * the partition being emptied, and its own partition where each vector goes.
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
                         long countsCorrected, long movesCompleted) {
        public long repairs() {
            return pendingConfirmed + pendingAbandoned + orphansDeleted + orphansAdopted + staleCopiesDeleted + lostUnregistered
                    + usageCorrected + countsCorrected + movesCompleted;
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
                "lost_unregistered", "usage_corrected", "count_corrected", "move_completed")) {
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
                return new Report(false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
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
                Moves moves = new Moves(c, tenant, collection, backend, byId);
                settlePending(c, tenant, collection, backend, byId, moves, judgeBefore, tally);
                VectorRegistry.forgetSettled(c, tenant, collection.name());
                for (PartitionView partition : partitions) {
                    if (partition.state().archived()) {
                        continue; // its vectors are in an archive (or on their way): the backend is not where they are
                    }
                    compare(c, tenant, collection, backend, partition, moves, judgeBefore, tally);
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
                               Map<Long, PartitionView> partitions, Moves moves, Instant judgeBefore, Tally tally) throws SQLException {
        Map<String, Long> pending = VectorRegistry.pending(c, tenant, collection.name());
        if (pending.isEmpty()) {
            return;
        }
        if (judgeBefore != Instant.MAX) {
            pending.keySet().retainAll(VectorRegistry.changedBefore(c, tenant, collection.name(), pending.keySet(), judgeBefore));
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
        // Not where its row says, but that is a DRAINING partition: the split may have moved it before it died.
        Map<String, Long> absent = new LinkedHashMap<>();
        pending.forEach((id, p) -> {
            if (!present.contains(id)) {
                absent.put(id, p);
            }
        });
        present.addAll(moves.complete(absent).keySet());
        List<String> confirmed = pending.keySet().stream().filter(present::contains).toList();
        List<String> abandoned = pending.keySet().stream().filter(id -> !present.contains(id)).toList();
        VectorRegistry.activate(c, tenant, collection.name(), confirmed);
        VectorRegistry.unregister(c, tenant, collection.name(), abandoned);
        tally.add("pending_confirmed", confirmed.size());
        tally.add("pending_abandoned", abandoned.size());
    }

    private void compare(Connection c, String tenant, CollectionView collection, VectorBackend backend, PartitionView partition,
                         Moves moves, Instant judgeBefore, Tally tally) throws SQLException {
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
        Map<String, Long> missing = new LinkedHashMap<>();
        inRegistry.forEach((id, changed) -> {
            if (!inBackend.contains(id) && changed.isBefore(judgeBefore)) {
                missing.put(id, partition.id());
            }
        });
        Set<String> moved = moves.complete(missing).keySet();
        tally.add("move_completed", moved.size());
        // A DRAINING partition's rows are the split's to move: one whose vector is nowhere is pointed at its shard
        // by the split, and judged there (never here, where a read of a lagging backend could miss a moved copy).
        List<String> lost = partition.state().routable() ? missing.keySet().stream().filter(id -> !moved.contains(id)).toList() : List.of();
        Set<String> extra = new TreeSet<>(inBackend);
        extra.removeAll(inRegistry.keySet());
        extra.removeAll(moved);
        Map<String, Long> elsewhere = VectorRegistry.partitionsOf(c, tenant, collection.name(), extra);
        Map<String, Long> copies = new LinkedHashMap<>();
        extra.stream().filter(id -> elsewhere.containsKey(id) && elsewhere.get(id) != partition.id())
                .forEach(id -> copies.put(id, elsewhere.get(id)));
        // A copy here of a vector whose row names a DRAINING partition that routes it here is being moved (or a move of
        // it died half-way): never stale. If that partition no longer holds the vector, this copy is the vector: the
        // move is completed (not judged on an eventually consistent backend, whose reads may lag; the split will).
        Map<String, Long> movingHere = moves.movingInto(partition, copies);
        if (judgeBefore == Instant.MAX) {
            tally.add("move_completed", moves.completeInto(partition, movingHere).size());
        }
        List<String> stale = copies.keySet().stream().filter(id -> !movingHere.containsKey(id)).toList();
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

    /**
     * Completes moves that a split left half done, for one tenant in one collection: a vector whose
     * row names a DRAINING partition that does not hold it, found in the shard of its key that owns it,
     * has its row pointed there. Partition counts follow in the recount.
     */
    private static final class Moves {
        private final Connection c;
        private final String tenant;
        private final CollectionView collection;
        private final VectorBackend backend;
        private final Map<Long, PartitionView> partitions;
        private final Map<Long, List<PartitionView>> shards = new HashMap<>();

        Moves(Connection c, String tenant, CollectionView collection, VectorBackend backend, Map<Long, PartitionView> partitions) {
            this.c = c;
            this.tenant = tenant;
            this.collection = collection;
            this.backend = backend;
            this.partitions = partitions;
        }

        /** Of these ids (-> the partition their row names, which does not hold them): those found in their shard, repointed there. */
        Map<String, Long> complete(Map<String, Long> absent) throws SQLException {
            Map<Long, List<String>> byOwner = new LinkedHashMap<>();
            for (Map.Entry<String, Long> e : absent.entrySet()) {
                PartitionView owner = ownerIfDraining(e.getValue(), e.getKey());
                if (owner != null) {
                    byOwner.computeIfAbsent(owner.id(), k -> new ArrayList<>()).add(e.getKey());
                }
            }
            Map<String, Long> repointed = new LinkedHashMap<>();
            for (Map.Entry<Long, List<String>> e : byOwner.entrySet()) {
                fetch(partitions.get(e.getKey()), e.getValue()).forEach(id -> repointed.put(id, e.getKey()));
            }
            VectorRegistry.repoint(c, tenant, collection.name(), repointed);
            return repointed;
        }

        /** Of these ids found in {@code shard} (-> the partition their row names): those whose row names a DRAINING partition that routes them to {@code shard}. */
        Map<String, Long> movingInto(PartitionView shard, Map<String, Long> named) throws SQLException {
            Map<String, Long> moving = new LinkedHashMap<>();
            for (Map.Entry<String, Long> e : named.entrySet()) {
                PartitionView owner = ownerIfDraining(e.getValue(), e.getKey());
                if (owner != null && owner.id() == shard.id()) {
                    moving.put(e.getKey(), e.getValue());
                }
            }
            return moving;
        }

        /** Of these ids moving into {@code shard} (-> the DRAINING partition their row names): those it no longer holds, repointed here. */
        Map<String, Long> completeInto(PartitionView shard, Map<String, Long> moving) throws SQLException {
            Map<Long, List<String>> byNamed = new LinkedHashMap<>();
            moving.forEach((id, named) -> byNamed.computeIfAbsent(named, k -> new ArrayList<>()).add(id));
            Map<String, Long> repointed = new LinkedHashMap<>();
            for (Map.Entry<Long, List<String>> e : byNamed.entrySet()) {
                Set<String> stillThere = new HashSet<>(fetch(partitions.get(e.getKey()), e.getValue()));
                e.getValue().stream().filter(id -> !stillThere.contains(id)).forEach(id -> repointed.put(id, shard.id()));
            }
            VectorRegistry.repoint(c, tenant, collection.name(), repointed);
            return repointed;
        }

        /**
         * Where {@code id}, registered in partition {@code named}, is being moved to: the routable shard of its
         * key that owns it if that one is DRAINING, the tenant's own partition if {@code named} is the bucket it
         * is promoted out of (see {@link PartitionLookup#moveTargets}); else {@code null}.
         */
        private PartitionView ownerIfDraining(long named, String id) throws SQLException {
            PartitionView where = partitions.get(named);
            if (where == null) {
                where = PartitionLookup.byId(c, List.of(named)).get(named);
                if (where == null) {
                    return null;
                }
                partitions.put(named, where);
            }
            List<PartitionView> key = shards.get(named);
            if (key == null) {
                key = PartitionLookup.moveTargets(c, where, tenant);
                shards.put(named, key);
                key.forEach(p -> partitions.putIfAbsent(p.id(), p));
            }
            return HashShard.ownerOf(key, id);
        }

        private List<String> fetch(PartitionView partition, List<String> ids) {
            List<String> found = new ArrayList<>();
            Placement placement = partition.placementFor(collection, tenant);
            for (int i = 0; i < ids.size(); i += FETCH_BATCH) {
                try {
                    backend.fetch(placement, ids.subList(i, Math.min(i + FETCH_BATCH, ids.size()))).forEach(r -> found.add(r.id()));
                } catch (BackendException.NotFound gone) {
                    return found;
                }
            }
            return found;
        }
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
     * partitions' counts to their active rows (the base is set to the recount less the stripes, read in the
     * same snapshot, so a delta a write commits meanwhile still counts), with no write of the tenant in flight and none of its
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
                        UPDATE partitions p SET vector_count = r.n - r.striped, updated_at = now()
                        FROM (SELECT q.id, (SELECT count(*) FROM vector_registry v
                                            WHERE v.partition_id = q.id AND v.tenant_id = ? AND v.state = 'ACTIVE') AS n,
                                     partition_vectors(q.id, 0) AS striped
                              FROM partitions q WHERE q.tenant_id = ?) r
                        WHERE p.id = r.id AND p.vector_count + r.striped <> r.n""")) {
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
                UPDATE partitions p SET vector_count = r.n - r.striped, updated_at = now()
                FROM (SELECT q.id, (SELECT count(*) FROM vector_registry v WHERE v.partition_id = q.id AND v.state = 'ACTIVE') AS n,
                             partition_vectors(q.id, 0) AS striped
                      FROM partitions q WHERE q.strategy = 'SHARED_HASH' AND (?::text IS NULL OR q.collection = ?)) r
                WHERE p.id = r.id AND p.vector_count + r.striped <> r.n""")) {
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
                    get("count_corrected"), get("move_completed"));
        }

        private long get(String kind) {
            return counts.getOrDefault(kind, 0L);
        }
    }
}
