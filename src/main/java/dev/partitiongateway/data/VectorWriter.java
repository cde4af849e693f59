package dev.partitiongateway.data;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.ArchivedPartitionException;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.HashShard;
import dev.partitiongateway.catalog.PartitionLookup;
import dev.partitiongateway.catalog.PartitionState;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.problem.ErrorCode;
import dev.partitiongateway.registry.QuotaLedger;
import dev.partitiongateway.registry.VectorRegistry;
import dev.partitiongateway.registry.WriteLocks;
import dev.partitiongateway.routing.PartitionRouter;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.stats.PartitionStats;
import dev.partitiongateway.tenant.TenantView;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Writes vectors so that a tenant's writes run in parallel while its quota stays exact and every
 * write of one id is ordered, on one pooled connection per request:
 * <ol>
 *   <li>take the tenant and the collection {@linkplain WriteLocks shared} (held to the end);</li>
 *   <li>one short transaction: {@linkplain VectorRegistry#registerPending register} the ids that are new as
 *       PENDING and {@linkplain QuotaLedger#reserve reserve} exactly their quota (the usage row is locked
 *       only for this transaction, never across a backend call);</li>
 *   <li>one transaction that spans the backend call: {@linkplain VectorRegistry#lock lock} every id's row
 *       (which orders writes of one id), write the backend, make the rows ACTIVE, update partition counts
 *       (their rows are locked only from that last statement to the commit). It holds no lock another
 *       write of the same tenant needs unless that write names one of the same ids; ids a concurrent
 *       delete unregistered meanwhile are registered and reserved again in a short transaction first.</li>
 * </ol>
 * A failure in step 3 rolls it back and abandons the write's own pending rows, giving their quota
 * back. A process that dies between steps leaves PENDING rows whose quota is still reserved (usage
 * too high, never too low) and possibly records the backend holds but the registry does not; the
 * reconciler settles both.
 */
@ApplicationScoped
public class VectorWriter {

    private static final Logger LOG = Logger.getLogger(VectorWriter.class);
    /** How often an upsert registers ids again that concurrent deletes keep removing, before a 409. */
    private static final int CONCURRENT_DELETE_ATTEMPTS = 5;
    /** The partition states in which an id is refused to writes and deletes (409 PARTITION_ARCHIVED). */
    private static final List<String> ARCHIVE_OWNED = PartitionState.archivedStates();

    /** The outcome of an upsert: how many ids were new, how many replaced, and the tenant's usage after it. */
    public record Upserted(int inserted, int updated, QuotaLedger.Usage usage) {
    }

    @FunctionalInterface
    private interface LockedWork<T> {
        T run(Connection c) throws SQLException;
    }

    private final AgroalDataSource dataSource;
    private final BackendRegistry backends;
    private final PartitionRouter router;
    private final Counter quotaRefusals;
    /** Per-partition statistics: in memory, no PostgreSQL call. */
    @Inject
    PartitionStats stats;

    VectorWriter(AgroalDataSource dataSource, BackendRegistry backends, PartitionRouter router, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.backends = backends;
        this.router = router;
        this.quotaRefusals = Counter.builder("gateway.quota.refusals")
                .description("Upserts refused whole because they would cross the tenant's quota").register(meters);
    }

    public Upserted upsert(TenantView tenant, CollectionView collection, List<VectorRecord> records) {
        VectorBackend backend = backends.get(collection.backend());
        return locked(tenant, collection, c -> {
            requireTenant(c, tenant);
            refuseArchived(c, tenant, collection, records.stream().map(VectorRecord::id).toList());
            Map<String, PartitionView> placed = router.targets(c, collection, tenant.id(), records, backend);
            Map<String, Long> targets = new LinkedHashMap<>();
            Map<Long, PartitionView> partitions = new HashMap<>();
            placed.forEach((id, partition) -> {
                targets.put(id, partition.id());
                partitions.put(partition.id(), partition);
            });
            UUID writeId = UUID.randomUUID();

            // 1. Register the new ids as pending and reserve exactly their quota: one short transaction.
            Set<String> added = new HashSet<>();
            QuotaLedger.Usage usage = registerAndReserve(c, tenant, collection, targets, writeId, added);

            // 2. Lock every id's row, write the backend, make the rows active: this transaction spans the
            //    backend call, and holds only these rows (never the usage row, never the tenant's lock).
            boolean committed = false;
            try {
                Map<String, VectorRegistry.Row> rows;
                for (int attempt = 1;; attempt++) {
                    c.setAutoCommit(false);
                    rows = VectorRegistry.lock(c, tenant.id(), collection.name(), targets.keySet());
                    if (rows.size() == targets.size()) {
                        break;
                    }
                    // A delete of some of these ids committed since step 1 (it gave their quota back): this
                    // write comes after it, so they are new again. Let the rows go and register and reserve
                    // them in a short transaction of their own, so that the usage row is never locked across
                    // the backend call; a row another write registers meanwhile may be deleted again before
                    // it is locked, hence the loop.
                    c.rollback();
                    c.setAutoCommit(true);
                    if (attempt >= CONCURRENT_DELETE_ATTEMPTS) {
                        throw ApiException.conflict("these ids are being deleted and written concurrently; nothing was stored; retry");
                    }
                    Map<String, Long> missing = new LinkedHashMap<>(targets);
                    missing.keySet().removeAll(rows.keySet());
                    QuotaLedger.Usage after = registerAndReserve(c, tenant, collection, missing, writeId, added);
                    usage = after != null ? after : usage;
                }
                // Counted from the locked rows alone: a pending row (whoever registered it) is counted in its
                // target partition once it is made active here, an active row that moves is counted over.
                Map<Long, Long> counts = new HashMap<>();
                Map<String, Long> moved = new LinkedHashMap<>();
                Map<Long, List<String>> movedOut = new HashMap<>();
                rows.forEach((id, row) -> {
                    long to = targets.get(id);
                    if (row.partitionId() != to) {
                        moved.put(id, to);
                        movedOut.computeIfAbsent(row.partitionId(), k -> new ArrayList<>()).add(id);
                        if (!row.pending()) {
                            counts.merge(row.partitionId(), -1L, Long::sum);
                        }
                    }
                    if (row.pending() || row.partitionId() != to) {
                        counts.merge(to, 1L, Long::sum);
                    }
                });
                writeBackend(backend, collection, tenant, partitions, records, targets);
                VectorRegistry.activateLocked(c, tenant.id(), collection.name(), rows); // by row ids: before they move
                VectorRegistry.repoint(c, tenant.id(), collection.name(), moved);
                VectorRegistry.finish(c, writeId);
                QuotaLedger.adjustPartitions(c, counts);
                c.commit();
                committed = true;
                stats.upserted(partitions, targets);
                c.setAutoCommit(true);
                removeMovedCopies(c, backend, collection, tenant, movedOut);
                int inserted = (int) targets.keySet().stream().filter(added::contains).count();
                return new Upserted(inserted, records.size() - inserted, usage != null ? usage : currentUsage(c, tenant));
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(c, e);
                if (!committed) {
                    abandon(c, tenant, collection, added, writeId);
                }
                throw e;
            }
        });
    }

    /**
     * 409 PARTITION_ARCHIVED if any of these ids is registered in a partition an archive job owns. Called
     * holding the tenant's writes shared, which an archive's switch excludes: the answer holds until the
     * write is done.
     */
    private static void refuseArchived(Connection c, TenantView tenant, CollectionView collection, List<String> ids) throws SQLException {
        Set<Long> held = VectorRegistry.partitionsInStates(c, tenant.id(), collection.name(), ids, ARCHIVE_OWNED);
        for (PartitionView p : PartitionLookup.byId(c, held).values()) {
            if (p.state().archived()) {
                throw new ArchivedPartitionException(p);
            }
        }
    }

    /**
     * One short transaction: registers those of {@code targets} that are not registered as PENDING
     * (adding them to {@code added}) and reserves exactly their quota; returns the usage after the
     * reservation, or {@code null} if nothing was new. The usage row is locked only until it commits.
     */
    private QuotaLedger.Usage registerAndReserve(Connection c, TenantView tenant, CollectionView collection, Map<String, Long> targets,
                                                 UUID writeId, Set<String> added) throws SQLException {
        c.setAutoCommit(false);
        try {
            Set<String> registered = VectorRegistry.registerPending(c, tenant.id(), collection.name(), targets, writeId);
            QuotaLedger.Usage usage = registered.isEmpty() ? null : reserve(c, tenant, registered.size());
            c.commit();
            c.setAutoCommit(true);
            added.addAll(registered);
            return usage;
        } catch (SQLException | RuntimeException | Error e) {
            rollbackQuietly(c, e);
            throw e;
        }
    }

    /**
     * The stored copy of each registered id among these (absent: not registered, or not in the backend).
     * An id not found where the registry named it is looked for once more where the registry names it
     * now (a write or a split moved it meanwhile) or, if that is still a DRAINING partition, in the shard
     * its key routes it to (a split writes there before it deletes from the DRAINING one).
     */
    public List<VectorRecord> fetch(TenantView tenant, CollectionView collection, List<String> ids) {
        VectorBackend backend = backends.get(collection.backend());
        Map<String, Long> registered;
        Map<Long, PartitionView> partitions;
        try (Connection c = dataSource.getConnection()) {
            registered = VectorRegistry.partitionsOf(c, tenant.id(), collection.name(), ids);
            partitions = new HashMap<>(PartitionLookup.byId(c, registered.values()));
            for (PartitionView p : partitions.values()) {
                if (p.state().archived()) {
                    throw new ArchivedPartitionException(p);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("fetch from " + collection.name() + " failed in the database", e);
        }
        Map<String, VectorRecord> found = fetchFrom(backend, collection, tenant, registered, partitions);
        if (found.size() == registered.size()) {
            return new ArrayList<>(found.values());
        }
        List<String> missing = registered.keySet().stream().filter(id -> !found.containsKey(id)).toList();
        Map<String, Long> elsewhere = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection()) {
            Map<String, Long> now = VectorRegistry.partitionsOf(c, tenant.id(), collection.name(), missing);
            partitions.putAll(PartitionLookup.byId(c, now.values()));
            Map<Long, List<PartitionView>> shardsOf = new HashMap<>();
            for (Map.Entry<String, Long> e : now.entrySet()) {
                PartitionView where = partitions.get(e.getValue());
                if (!e.getValue().equals(registered.get(e.getKey()))) {
                    elsewhere.put(e.getKey(), e.getValue());
                } else if (where != null) {
                    List<PartitionView> shards = shardsOf.get(where.id());
                    if (shards == null) {
                        shards = PartitionLookup.moveTargets(c, where, tenant.id());
                        shardsOf.put(where.id(), shards);
                    }
                    PartitionView owner = HashShard.ownerOf(shards, e.getKey());
                    if (owner != null) {
                        partitions.put(owner.id(), owner);
                        elsewhere.put(e.getKey(), owner.id());
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("fetch from " + collection.name() + " failed in the database", e);
        }
        found.putAll(fetchFrom(backend, collection, tenant, elsewhere, partitions));
        return new ArrayList<>(found.values());
    }

    private Map<String, VectorRecord> fetchFrom(VectorBackend backend, CollectionView collection, TenantView tenant, Map<String, Long> where,
                                                Map<Long, PartitionView> partitions) {
        Map<String, VectorRecord> found = new LinkedHashMap<>();
        for (Map.Entry<Long, List<String>> e : group(where).entrySet()) {
            Placement placement = placement(partitions, e.getKey(), collection, tenant);
            for (List<String> chunk : chunks(e.getValue(), backend.capabilities().maxBatchSize())) {
                try {
                    backend.fetch(placement, chunk).forEach(r -> found.put(r.id(), r));
                } catch (BackendException.NotFound gone) {
                    // never created, or dropped since the registry was read: it holds none of them
                }
            }
        }
        return found;
    }

    /** Deletes the registered ids among these; returns how many there were. */
    public long deleteIds(TenantView tenant, CollectionView collection, List<String> ids) {
        VectorBackend backend = backends.get(collection.backend());
        return locked(tenant, collection, c -> {
            requireTenant(c, tenant);
            refuseArchived(c, tenant, collection, ids);
            try {
                c.setAutoCommit(false);
                Map<String, VectorRegistry.Row> registered = VectorRegistry.lock(c, tenant.id(), collection.name(), ids);
                Map<String, Long> partitionOf = new LinkedHashMap<>();
                registered.forEach((id, row) -> partitionOf.put(id, row.partitionId()));
                Map<Long, List<String>> byPartition = group(partitionOf);
                Map<Long, PartitionView> partitions = new HashMap<>(PartitionLookup.byId(c, byPartition.keySet()));
                for (Map.Entry<Long, List<String>> e : byPartition.entrySet()) {
                    deleteFromBackend(backend, placement(partitions, e.getKey(), collection, tenant), e.getValue());
                }
                deleteMovedCopies(c, backend, collection, tenant, partitionOf, partitions);
                VectorRegistry.unregister(c, tenant.id(), collection.name(), registered.keySet());
                giveBack(c, tenant, registered);
                c.commit();
                stats.deleted(partitions.values());
                return (long) registered.size();
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(c, e);
                throw e;
            }
        });
    }

    /** Finds what a delete by filter removes: the ids that match in each partition that may hold matches. */
    @FunctionalInterface
    public interface MatchScan {
        Map<PartitionView, List<String>> scan();
    }

    /**
     * Deletes what a filter matched, as found by {@code scan}, which runs holding the tenant's moves of
     * the collection shared ({@link WriteLocks#shareMoves}) until the delete commits, so that a split
     * cannot move a match from a partition not yet scanned to one already scanned. Ids registered where
     * they were found (or found in the shard a DRAINING partition that the registry names routes them
     * to) are unregistered, quota given back; matches that the registry does not know (a write that
     * crashed before its commit) are deleted from the backend too. Their registry rows are claimed first,
     * so a write of the same id still in flight is waited for, not mistaken for one.
     */
    public long deleteMatches(TenantView tenant, CollectionView collection, MatchScan scan) {
        VectorBackend backend = backends.get(collection.backend());
        return locked(tenant, collection, true, c -> {
            requireTenant(c, tenant);
            for (PartitionView p : PartitionLookup.tenantPartitions(c, collection, tenant.id())) {
                if (p.state().archived()) {
                    throw new ArchivedPartitionException(p); // a delete by filter cannot see what is archived, so it would miss matches
                }
            }
            Map<PartitionView, List<String>> matches = scan.scan();
            Map<String, Set<Long>> scannedIn = new LinkedHashMap<>();
            Map<Long, PartitionView> partitions = new HashMap<>();
            matches.forEach((p, ids) -> {
                partitions.put(p.id(), p);
                ids.forEach(id -> scannedIn.computeIfAbsent(id, k -> new HashSet<>()).add(p.id()));
            });
            if (scannedIn.isEmpty()) {
                return 0L;
            }
            try {
                c.setAutoCommit(false);
                // A write registers its ids before it reaches the backend, so a match the registry does not
                // know is not a write in flight: it is left over from a write that died (an orphan).
                Map<String, VectorRegistry.Row> registered = VectorRegistry.lock(c, tenant.id(), collection.name(), scannedIn.keySet());
                Map<String, VectorRegistry.Row> counted = new LinkedHashMap<>();
                for (Map.Entry<String, VectorRegistry.Row> e : registered.entrySet()) {
                    Set<Long> foundIn = scannedIn.get(e.getKey());
                    long named = e.getValue().partitionId();
                    if (foundIn.contains(named)) {
                        counted.put(e.getKey(), e.getValue());
                        continue;
                    }
                    PartitionView where = partitions.containsKey(named) ? partitions.get(named)
                            : PartitionLookup.byId(c, List.of(named)).get(named);
                    if (where != null) {
                        PartitionView owner = PartitionLookup.moveTarget(c, where, tenant.id(), e.getKey());
                        if (owner != null && foundIn.contains(owner.id())) {
                            counted.put(e.getKey(), e.getValue()); // moved by a split that died before its commit
                        }
                    }
                }
                long deleted = 0;
                for (Map.Entry<PartitionView, List<String>> e : matches.entrySet()) {
                    deleted += deleteFromBackend(backend, e.getKey().placementFor(collection, tenant.id()), e.getValue());
                }
                VectorRegistry.unregister(c, tenant.id(), collection.name(), counted.keySet());
                giveBack(c, tenant, counted);
                c.commit();
                stats.deleted(partitions.values());
                // A vector copied into two partitions (a move cut short) is one vector.
                return Math.min(deleted, scannedIn.size());
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(c, e);
                throw e;
            }
        });
    }

    // ---------------------------------------------------------------- steps

    private <T> T locked(TenantView tenant, CollectionView collection, LockedWork<T> work) {
        return locked(tenant, collection, false, work);
    }

    /**
     * Runs {@code work} holding the tenant and the collection shared (and, with {@code holdMoves}, the
     * tenant's moves of the collection, first), after checking that the collection is still the one the
     * caller validated against. The locks are released (or the connection discarded with them) whatever
     * happens.
     */
    private <T> T locked(TenantView tenant, CollectionView collection, boolean holdMoves, LockedWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            boolean movesHeld = false;
            boolean writesHeld = false;
            try {
                if (holdMoves) {
                    WriteLocks.shareMoves(c, collection.name(), tenant.id());
                    movesHeld = true;
                }
                WriteLocks.shareForWrite(c, tenant.id(), collection.name());
                writesHeld = true;
                CollectionView current = PartitionLookup.collection(c, collection.name())
                        .orElseThrow(() -> ApiException.notFound("collection '" + collection.name() + "'"));
                if (!current.sameIncarnation(collection)) {
                    throw ApiException.conflict("collection '" + collection.name() + "' was dropped and created again; retry");
                }
                return work.run(c);
            } finally {
                unlock(c, tenant, collection, movesHeld, writesHeld);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("write to " + collection.name() + " failed in the database", e);
        }
    }

    private static void unlock(Connection c, TenantView tenant, CollectionView collection, boolean moves, boolean writes) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            if (writes) {
                WriteLocks.releaseShared(c, tenant.id(), collection.name());
            }
            if (moves) {
                WriteLocks.releaseMoves(c, collection.name(), tenant.id());
            }
        } catch (SQLException | RuntimeException e) {
            // The session may still hold the locks: it must not go back to the pool.
            WriteLocks.discardSession(c);
        }
    }

    /** Reserves quota for {@code vectors} new vectors in the caller's transaction; refuses the whole write if over quota. */
    private QuotaLedger.Usage reserve(Connection c, TenantView tenant, long vectors) throws SQLException {
        QuotaLedger.Reservation reservation = QuotaLedger.reserve(c, tenant.id(), tenant.uid(), vectors);
        if (reservation instanceof QuotaLedger.Reservation.Granted granted) {
            return granted.usage();
        }
        if (reservation instanceof QuotaLedger.Reservation.OverQuota over) {
            quotaRefusals.increment();
            throw new ApiException(ErrorCode.QUOTA_EXCEEDED, "this upsert adds " + vectors + " vectors; tenant '" + tenant.id()
                    + "' has " + over.usage().vectors() + " of " + over.usage().maxVectors() + " and nothing was stored");
        }
        throw tenantGone(tenant);
    }

    /**
     * Gives back what a failed write registered and reserved: its own rows that are still pending
     * (a row another write has since confirmed keeps its quota). If this fails too, usage stays too
     * high until the reconciler settles the pending rows.
     */
    private static void abandon(Connection c, TenantView tenant, CollectionView collection, Set<String> added, UUID writeId) {
        if (added.isEmpty()) {
            return;
        }
        try {
            c.setAutoCommit(false);
            int abandoned = VectorRegistry.abandonPending(c, tenant.id(), collection.name(), added, writeId);
            VectorRegistry.finish(c, writeId);
            QuotaLedger.adjust(c, tenant.id(), -abandoned);
            c.commit();
            c.setAutoCommit(true);
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            LOG.warnf("could not give back the %d pending vectors of a failed write of %s (usage stays too high until the reconciler runs): %s",
                    added.size(), tenant.id(), e.getMessage());
        }
    }

    /** The usage to report after a committed write that reserved nothing; the write stands even if this read fails. */
    private static QuotaLedger.Usage currentUsage(Connection c, TenantView tenant) {
        try {
            return QuotaLedger.current(c, tenant.id(), tenant.uid()).orElseThrow(() -> tenantGone(tenant));
        } catch (SQLException e) {
            LOG.debugf("usage of %s not read after its write: %s", tenant.id(), e.getMessage());
            return new QuotaLedger.Usage(-1, tenant.maxVectors());
        }
    }

    private static void requireTenant(Connection c, TenantView tenant) throws SQLException {
        if (QuotaLedger.current(c, tenant.id(), tenant.uid()).isEmpty()) {
            throw tenantGone(tenant);
        }
    }

    private static ApiException tenantGone(TenantView tenant) {
        return ApiException.notFound("tenant '" + tenant.id() + "' (it was deleted)");
    }

    private void writeBackend(VectorBackend backend, CollectionView collection, TenantView tenant, Map<Long, PartitionView> partitions,
                              List<VectorRecord> records, Map<String, Long> targets) {
        Map<Long, List<VectorRecord>> byTarget = records.stream()
                .collect(Collectors.groupingBy(r -> targets.get(r.id()), LinkedHashMap::new, Collectors.toList()));
        for (Map.Entry<Long, List<VectorRecord>> e : byTarget.entrySet()) {
            Placement placement = placement(partitions, e.getKey(), collection, tenant);
            for (List<VectorRecord> chunk : chunks(e.getValue(), backend.capabilities().maxBatchSize())) {
                try {
                    backend.upsert(placement, chunk);
                } catch (BackendException.NotFound missing) {
                    // The directory lists it, but the process that created the row died before the backend did.
                    backend.ensurePartition(placement);
                    backend.upsert(placement, chunk);
                }
            }
        }
    }

    /**
     * After the registry points moved ids at their new partition, the copies left in the old one are
     * deleted. If that fails, searches may see both copies until the reconciler deletes the stale one.
     */
    private void removeMovedCopies(Connection c, VectorBackend backend, CollectionView collection, TenantView tenant,
                                   Map<Long, List<String>> movedOut) {
        if (movedOut.isEmpty()) {
            return;
        }
        try {
            Map<Long, PartitionView> partitions = PartitionLookup.byId(c, movedOut.keySet());
            for (Map.Entry<Long, List<String>> e : movedOut.entrySet()) {
                if (partitions.containsKey(e.getKey())) {
                    for (List<String> chunk : chunks(e.getValue(), backend.capabilities().maxBatchSize())) {
                        backend.delete(placement(partitions, e.getKey(), collection, tenant), chunk);
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("stale copies of %d moved vectors of %s in %s remain until the reconciler removes them: %s",
                    movedOut.values().stream().mapToInt(List::size).sum(), tenant.id(), collection.name(), e.getMessage());
        }
    }

    /**
     * For ids whose (locked) rows name a partition they are being moved out of (a DRAINING one, or a shared
     * bucket the tenant is promoted out of): also deletes them from where they are moving to, where a move
     * that died between its backend calls and its commit left the only copy.
     */
    private static void deleteMovedCopies(Connection c, VectorBackend backend, CollectionView collection, TenantView tenant,
                                          Map<String, Long> partitionOf, Map<Long, PartitionView> partitions) throws SQLException {
        Map<Long, List<String>> inOwner = new LinkedHashMap<>();
        Map<Long, List<PartitionView>> shardsOf = new HashMap<>();
        for (Map.Entry<String, Long> e : partitionOf.entrySet()) {
            PartitionView where = partitions.get(e.getValue());
            if (where != null) {
                List<PartitionView> shards = shardsOf.get(where.id());
                if (shards == null) {
                    shards = PartitionLookup.moveTargets(c, where, tenant.id());
                    shardsOf.put(where.id(), shards);
                }
                PartitionView owner = HashShard.ownerOf(shards, e.getKey());
                if (owner != null) {
                    partitions.put(owner.id(), owner);
                    inOwner.computeIfAbsent(owner.id(), k -> new ArrayList<>()).add(e.getKey());
                }
            }
        }
        for (Map.Entry<Long, List<String>> e : inOwner.entrySet()) {
            deleteFromBackend(backend, placement(partitions, e.getKey(), collection, tenant), e.getValue());
        }
    }

    /**
     * Gives back the quota of unregistered rows, pending ones included (their quota was reserved), and
     * takes active ones off their partition's count (pending ones were never counted there).
     */
    private static void giveBack(Connection c, TenantView tenant, Map<String, VectorRegistry.Row> unregistered) throws SQLException {
        if (unregistered.isEmpty()) {
            return;
        }
        Map<Long, Long> deltas = new HashMap<>();
        unregistered.values().stream().filter(row -> !row.pending()).forEach(row -> deltas.merge(row.partitionId(), -1L, Long::sum));
        // Last statements before the commit: the usage and partition rows stay locked only until then.
        QuotaLedger.adjust(c, tenant.id(), -unregistered.size());
        QuotaLedger.adjustPartitions(c, deltas);
    }

    /**
     * Deletes ids from a placement; returns how many existed. A placement the backend does not know was
     * never written to (its first writer is still creating it, or died before): it holds nothing.
     */
    private static long deleteFromBackend(VectorBackend backend, Placement placement, List<String> ids) {
        long deleted = 0;
        try {
            for (List<String> chunk : chunks(ids, backend.capabilities().maxBatchSize())) {
                deleted += backend.delete(placement, chunk);
            }
        } catch (BackendException.NotFound neverCreated) {
            // nothing to delete
        }
        return deleted;
    }

    private static Placement placement(Map<Long, PartitionView> partitions, long id, CollectionView collection, TenantView tenant) {
        PartitionView partition = partitions.get(id);
        if (partition == null) {
            throw new IllegalStateException("the registry names partition " + id + " that the directory does not list");
        }
        return partition.placementFor(collection, tenant.id());
    }

    private static Map<Long, List<String>> group(Map<String, Long> partitionOf) {
        Map<Long, List<String>> grouped = new LinkedHashMap<>();
        partitionOf.forEach((id, p) -> grouped.computeIfAbsent(p, k -> new ArrayList<>()).add(id));
        return grouped;
    }

    private static void rollbackQuietly(Connection c, Throwable failure) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    /** Consecutive slices of at most {@code size} elements: backends cap how much one call may carry. */
    static <T> List<List<T>> chunks(List<T> items, int size) {
        List<List<T>> chunks = new ArrayList<>((items.size() + size - 1) / size);
        for (int i = 0; i < items.size(); i += size) {
            chunks.add(items.subList(i, Math.min(i + size, items.size())));
        }
        return chunks;
    }
}
