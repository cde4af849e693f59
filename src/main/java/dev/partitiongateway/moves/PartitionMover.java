package dev.partitiongateway.moves;

import dev.partitiongateway.backend.BackendRegistry;
import dev.partitiongateway.catalog.CollectionView;
import dev.partitiongateway.catalog.HashShard;
import dev.partitiongateway.catalog.PartitionDirectory;
import dev.partitiongateway.catalog.PartitionLookup;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.registry.QuotaLedger;
import dev.partitiongateway.registry.VectorRegistry;
import dev.partitiongateway.registry.WriteLocks;
import dev.partitiongateway.spi.BackendException;
import dev.partitiongateway.spi.Consistency;
import dev.partitiongateway.spi.Placement;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorRecord;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.jboss.logging.Logger;

/**
 * Empties a DRAINING partition into the routable shards of its key, batch by batch, while the
 * partition serves searches, fetches and deletes and new writes already go to those shards. The
 * registry says where each vector is, so the mover walks the registry rows that name the partition (in
 * (tenant, id) order from a cursor), never the backend.
 *
 * <p>One batch is one transaction, for the ids of one tenant:
 * <ol>
 *   <li>the tenant's moves of the collection exclusive, the tenant and collection shared (so no delete by
 *       filter is between its scans, and the reconciler, which holds the tenant exclusive, never sees a
 *       batch half done), then the ids' registry rows locked, which orders the batch with every write and
 *       delete of those ids: they wait for this one batch at most;</li>
 *   <li>the caller's fence (a job proves it still owns its job);</li>
 *   <li>the records read from the partition, written to the shard that owns each id, deleted from the
 *       partition (write before delete: a search or a fetch that looks in the DRAINING partition first
 *       and in the routable shard after always finds the vector);</li>
 *   <li>the rows pointed at their shard, partition counts moved with the ACTIVE ones; commit.</li>
 * </ol>
 * A run that dies anywhere in a batch leaves each id's row naming the partition, and the record there,
 * in its shard, or in both (same values): a later run finds a row whose record is only in its shard and
 * just points the row there. A row whose record is nowhere (a PENDING row of a write that died, or a
 * vector the backend lost) is pointed at its shard too, where the reconciler judges it; with an
 * eventually consistent backend, such a row written less than {@code gateway.reconciler.settle} ago is
 * left for a later pass (the record may not be visible yet).
 *
 * <p>Reusable by anything that empties a partition, or one tenant's rows of it, into others (a split
 * and its cancel, a promotion out of a shared bucket and its cancel; later migration): the destination
 * of each id is what {@link PartitionLookup#moveTargets} names for it.
 */
@ApplicationScoped
public class PartitionMover {

    private static final Logger LOG = Logger.getLogger(PartitionMover.class);

    /** Where a drain resumes: after this (tenant, id) of the partition; {@code null} fields: from the start. */
    public record Cursor(String tenant, String afterId) {
        public static final Cursor START = new Cursor(null, null);
    }

    /** What the caller of a drain supplies. */
    public interface Hooks {
        /** Inside every transaction that commits moves, before anything is written: throws to stop this run (a job's fence). */
        void fence(Connection c) throws SQLException;

        /** After each committed batch, with the vectors moved so far and where to resume; {@code true} stops the drain there. */
        boolean afterBatch(long moved, Cursor next);
    }

    /** How a drain ended: {@code empty} (no registry row names the partition) or stopped by its hooks. */
    public record Drained(boolean empty, long moved) {
    }

    /** One batch: how many rows it pointed elsewhere, how many it left for later, where the next starts ({@code null}: no rows left after the cursor). */
    private record Batch(int moved, int deferred, Cursor next) {
    }

    private record Row(String tenant, String id, Instant updatedAt) {
    }

    private final AgroalDataSource dataSource;
    private final BackendRegistry backends;
    private final PartitionDirectory directory;
    private final GatewayConfig config;
    private final Executor executor;

    PartitionMover(AgroalDataSource dataSource, BackendRegistry backends, PartitionDirectory directory, GatewayConfig config,
                   ManagedExecutor executor) {
        this.dataSource = dataSource;
        this.backends = backends;
        this.directory = directory;
        this.config = config;
        this.executor = executor;
    }

    /** How many registry rows (any state) name the partition. */
    public long remaining(long partitionId) {
        return remaining(partitionId, null);
    }

    /** How many registry rows (any state) of {@code tenant} ({@code null}: of every tenant) name the partition. */
    public long remaining(long partitionId, String tenant) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT count(*) FROM vector_registry WHERE partition_id = ?" + (tenant == null ? "" : " AND tenant_id = ?"))) {
            s.setLong(1, partitionId);
            if (tenant != null) {
                s.setString(2, tenant);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count the vectors of partition " + partitionId, e);
        }
    }

    /**
     * Moves every vector the registry places in {@code source} (DRAINING) to the routable shard of its key
     * that owns it, from {@code from}, until no registry row names {@code source} or {@code hooks} stop it.
     */
    public Drained drain(CollectionView collection, PartitionView source, Cursor from, Hooks hooks) throws SQLException, InterruptedException {
        return drain(collection, source, null, from, hooks);
    }

    /**
     * The same, restricted to the rows of {@code tenant} ({@code null}: every tenant's): moves every vector of
     * the tenant that the registry places in {@code source} to the partition it is moving to
     * ({@link PartitionLookup#moveTargets}: a shard of a split key, a promoted tenant's own partition, or
     * its bucket when a promotion is cancelled), until no row of the tenant names {@code source}. The
     * other tenants' rows of a shared {@code source} are neither read nor locked.
     */
    public Drained drain(CollectionView collection, PartitionView source, String tenant, Cursor from, Hooks hooks)
            throws SQLException, InterruptedException {
        VectorBackend backend = backends.get(collection.backend());
        Cursor cursor = from == null ? Cursor.START : from;
        long moved = 0;
        boolean deferred = false;
        while (true) {
            Batch batch = batch(collection, source, tenant, backend, cursor, hooks);
            if (batch.next() == null) {
                if (!deferred && remaining(source.id(), tenant) == 0) {
                    return new Drained(true, moved);
                }
                // Rows left for the backend to settle, or rows behind the cursor (a reconciler adopted them): another pass.
                if (deferred) {
                    Thread.sleep(1000);
                }
                deferred = false;
                cursor = Cursor.START;
                if (hooks.afterBatch(moved, cursor)) {
                    return new Drained(false, moved);
                }
                continue;
            }
            moved += batch.moved();
            deferred |= batch.deferred() > 0;
            cursor = batch.next();
            if (hooks.afterBatch(moved, cursor)) {
                return new Drained(false, moved);
            }
        }
    }

    /**
     * Removes an emptied DRAINING partition: with every write that could reach it held off, and the
     * caller's fence, checks that no registry row names it, drops its placement on the backend and its
     * directory row, commits, and announces the change. {@code false} if a row names it again (drain
     * once more). A run that dies after the backend drop and before the commit leaves the row, with an
     * empty or missing placement: the next run drops it again (idempotent).
     */
    public boolean dropDrained(CollectionView collection, PartitionView source, Hooks hooks) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (source.shared()) {
                    WriteLocks.excludeCollectionWrites(c, collection.name());
                } else {
                    WriteLocks.excludeTenantWrites(c, source.tenantId());
                    WriteLocks.keepCollection(c, collection.name());
                }
                hooks.fence(c);
                if (!directory.removeDrained(c, source)) {
                    c.rollback();
                    return false;
                }
                backends.get(collection.backend()).dropPartition(anyTenant(collection, source));
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            directory.announce(c, source);
            return true;
        }
    }

    /** The placement, as a call that is not on behalf of one tenant (a drop, which removes every tenant's records) names it. */
    static Placement anyTenant(CollectionView collection, PartitionView p) {
        return p.placementFor(collection, p.tenantId() != null ? p.tenantId() : "_all");
    }

    // ---------------------------------------------------------------- one batch

    private Batch batch(CollectionView collection, PartitionView source, String onlyTenant, VectorBackend backend, Cursor cursor,
                        Hooks hooks) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long started = System.nanoTime();
                List<Row> page = page(c, source.id(), onlyTenant, cursor, config.split().batchSize());
                if (page.isEmpty()) {
                    c.rollback();
                    return new Batch(0, 0, null);
                }
                String tenant = page.get(0).tenant();
                Map<String, Instant> updated = new LinkedHashMap<>();
                page.stream().filter(r -> r.tenant().equals(tenant)).forEach(r -> updated.put(r.id(), r.updatedAt()));
                Cursor next = new Cursor(tenant, page.stream().filter(r -> r.tenant().equals(tenant)).reduce((a, b) -> b).orElseThrow().id());

                WriteLocks.excludeMoves(c, collection.name(), tenant);
                WriteLocks.shareForMove(c, tenant, collection.name());
                Map<String, VectorRegistry.Row> rows = new LinkedHashMap<>(VectorRegistry.lock(c, tenant, collection.name(), updated.keySet()));
                rows.values().removeIf(row -> row.partitionId() != source.id()); // moved by a write, or deleted, meanwhile
                hooks.fence(c);
                if (rows.isEmpty()) {
                    c.commit();
                    return new Batch(0, 0, next);
                }
                int[] outcome = move(c, collection, source, backend, tenant, rows, updated);
                c.commit();
                LOG.debugf("%d vectors of %s moved out of %s in %d ms (%d left for a later pass)", outcome[0], tenant, source.placementName(),
                        (System.nanoTime() - started) / 1_000_000, outcome[1]);
                return new Batch(outcome[0], outcome[1], next);
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Moves the locked rows' records and points the rows at their shards; returns {moved, deferred}. */
    private int[] move(Connection c, CollectionView collection, PartitionView source, VectorBackend backend, String tenant,
                       Map<String, VectorRegistry.Row> rows, Map<String, Instant> updated) throws SQLException {
        PartitionView current = PartitionLookup.byId(c, List.of(source.id())).get(source.id());
        if (current == null) {
            throw new IllegalStateException("partition " + source.placementName() + " vanished under its locked rows");
        }
        List<PartitionView> shards = PartitionLookup.moveTargets(c, current, tenant);
        if (shards.stream().noneMatch(p -> p.state().routable())) {
            throw new IllegalStateException("partition " + source.placementName() + " is " + current.state()
                    + " and nothing of " + tenant + " is moving out of it");
        }
        Map<Long, PartitionView> byId = new HashMap<>();
        shards.forEach(p -> byId.put(p.id(), p));
        Map<String, PartitionView> owner = new LinkedHashMap<>();
        for (String id : rows.keySet()) {
            PartitionView o = HashShard.ownerOf(shards, id);
            if (o == null || o.id() == source.id()) {
                throw new IllegalStateException("no routable partition that " + source.placementName() + " is emptied into owns '" + id + "'");
            }
            owner.put(id, o);
        }
        int batchSize = backend.capabilities().maxBatchSize();
        Placement from = source.placementFor(collection, tenant);
        Map<String, VectorRecord> inSource = fetch(backend, from, rows.keySet(), batchSize);

        // Not in the partition: already written to its shard by a run that died before its commit, or nowhere.
        Set<String> deferred = new LinkedHashSet<>();
        List<String> missing = rows.keySet().stream().filter(id -> !inSource.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            Set<String> inShard = new java.util.HashSet<>();
            for (Map.Entry<Long, List<String>> e : groupBy(missing, owner).entrySet()) {
                fetch(backend, byId.get(e.getKey()).placementFor(collection, tenant), e.getValue(), batchSize).keySet().forEach(inShard::add);
            }
            Instant settled = Instant.now().minus(config.reconciler().settle());
            for (String id : missing) {
                if (!inShard.contains(id) && backend.capabilities().consistency() == Consistency.EVENTUAL && updated.get(id).isAfter(settled)) {
                    deferred.add(id); // written recently: the backend may not show it yet
                }
            }
            if (missing.size() > deferred.size()) {
                LOG.debugf("%d rows of %s named %s without its record there; pointed at their shards",
                        missing.size() - deferred.size(), tenant, source.placementName());
            }
        }

        // Write to the shards, then delete from the partition.
        Map<Long, List<VectorRecord>> byShard = new LinkedHashMap<>();
        inSource.values().forEach(r -> byShard.computeIfAbsent(owner.get(r.id()).id(), k -> new ArrayList<>()).add(r));
        // The shards are independent placements: written in parallel (each write waits for its own commit).
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (Map.Entry<Long, List<VectorRecord>> e : byShard.entrySet()) {
            Placement to = byId.get(e.getKey()).placementFor(collection, tenant);
            writes.add(CompletableFuture.runAsync(() -> upsert(backend, to, e.getValue(), batchSize), executor));
        }
        await(writes);
        List<String> copied = new ArrayList<>(inSource.keySet());
        for (int i = 0; i < copied.size(); i += batchSize) {
            try {
                backend.delete(from, copied.subList(i, Math.min(i + batchSize, copied.size())));
            } catch (BackendException.NotFound gone) {
                break;
            }
        }

        Map<String, Long> repoint = new LinkedHashMap<>();
        Map<Long, Long> counts = new HashMap<>();
        rows.forEach((id, row) -> {
            if (deferred.contains(id)) {
                return;
            }
            long to = owner.get(id).id();
            repoint.put(id, to);
            if (!row.pending()) {
                counts.merge(source.id(), -1L, Long::sum);
                counts.merge(to, 1L, Long::sum);
            }
        });
        VectorRegistry.repoint(c, tenant, collection.name(), repoint);
        QuotaLedger.adjustPartitions(c, counts); // last before the commit: partition rows locked only until then
        return new int[] {repoint.size(), deferred.size()};
    }

    private static void upsert(VectorBackend backend, Placement to, List<VectorRecord> records, int batchSize) {
        for (int i = 0; i < records.size(); i += batchSize) {
            List<VectorRecord> chunk = records.subList(i, Math.min(i + batchSize, records.size()));
            try {
                backend.upsert(to, chunk);
            } catch (BackendException.NotFound missingPlacement) {
                backend.ensurePartition(to);
                backend.upsert(to, chunk);
            }
        }
    }

    /** Waits for every one of {@code writes}; the first failure (a backend exception as it was thrown) after all have ended. */
    private static void await(List<CompletableFuture<Void>> writes) {
        RuntimeException failure = null;
        for (CompletableFuture<Void> write : writes) {
            try {
                write.join();
            } catch (CompletionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static Map<String, VectorRecord> fetch(VectorBackend backend, Placement placement, Collection<String> ids, int batchSize) {
        Map<String, VectorRecord> found = new LinkedHashMap<>();
        List<String> all = new ArrayList<>(ids);
        for (int i = 0; i < all.size(); i += batchSize) {
            try {
                backend.fetch(placement, all.subList(i, Math.min(i + batchSize, all.size()))).forEach(r -> found.put(r.id(), r));
            } catch (BackendException.NotFound neverCreated) {
                return found; // the placement does not exist: it holds none of them
            }
        }
        return found;
    }

    private static Map<Long, List<String>> groupBy(List<String> ids, Map<String, PartitionView> owner) {
        Map<Long, List<String>> grouped = new LinkedHashMap<>();
        ids.forEach(id -> grouped.computeIfAbsent(owner.get(id).id(), k -> new ArrayList<>()).add(id));
        return grouped;
    }

    /** The next rows naming the partition (of one tenant, if given) after the cursor, in (tenant, id) order, read without locks. */
    private static List<Row> page(Connection c, long partitionId, String tenant, Cursor cursor, int limit) throws SQLException {
        boolean start = cursor.tenant() == null;
        try (PreparedStatement s = c.prepareStatement("SELECT tenant_id, external_id, updated_at FROM vector_registry WHERE partition_id = ?"
                + (tenant == null ? "" : " AND tenant_id = ?")
                + (start ? "" : " AND (tenant_id, external_id) > (?, ?)") + " ORDER BY tenant_id, external_id LIMIT ?")) {
            int i = 1;
            s.setLong(i++, partitionId);
            if (tenant != null) {
                s.setString(i++, tenant);
            }
            if (!start) {
                s.setString(i++, cursor.tenant());
                s.setString(i++, cursor.afterId());
            }
            s.setInt(i, limit);
            List<Row> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant()));
                }
            }
            return rows;
        }
    }
}
