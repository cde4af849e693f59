package dev.partitiongateway.catalog;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.partitiongateway.cluster.RefreshAhead;
import dev.partitiongateway.cluster.Change;
import dev.partitiongateway.cluster.ChangeNotifier;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.spi.VectorBackend;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The partition directory: which partitions a tenant has in a collection (its own, and the shared
 * bucket it hashes to) and where they live. Reads come from memory (the search path never waits on
 * PostgreSQL); a change made by any gateway process drops the entries it affects when its
 * {@link Change} arrives, and the TTL bounds staleness if notifications are lost.
 */
@ApplicationScoped
public class PartitionDirectory {

    private record Key(String collection, String tenantId) {
    }

    /**
     * A tenant's partitions as searches see them: those searched, the placements of those only in an
     * archive, and the placements its vectors are being moved out of while they stay routable for other
     * tenants (its shared bucket, while it is promoted out of it).
     */
    private record Entry(List<PartitionView> searchable, List<String> archived, java.util.Set<String> leaving) {
        static final Entry NONE = new Entry(List.of(), List.of(), java.util.Set.of());
    }

    private final LoadingCache<Key, Entry> byTenant;
    private final CollectionCatalog catalog;
    private final ChangeNotifier changes;

    PartitionDirectory(GatewayConfig config, CollectionCatalog catalog, ChangeNotifier changes) {
        this.catalog = catalog;
        this.changes = changes;
        this.byTenant = RefreshAhead.within(Caffeine.newBuilder().maximumSize(1_000_000), config.auth().cacheTtl())
                .build(key -> catalog.find(key.collection())
                        .map(collection -> QuarkusTransaction.joiningExisting().call(() -> load(collection, key.tenantId())))
                        .orElse(Entry.NONE));
    }

    private static Entry load(CollectionView collection, String tenantId) {
        Integer bucket = bucketOf(collection, tenantId);
        List<PartitionState> searchable = java.util.Arrays.stream(PartitionState.values()).filter(s -> s.searchable() || s.archived()).toList();
        List<Partition> rows = bucket == null
                ? Partition.list("collection = ?1 and tenantId = ?2 and state in ?3 order by id", collection.name(), tenantId, searchable)
                : Partition.list("collection = ?1 and strategy = ?2 and bucket = ?3 and state in ?4 order by id", collection.name(),
                        PartitionStrategy.SHARED_HASH, bucket, searchable);
        java.util.Set<String> leaving = java.util.Set.of();
        if (bucket != null) {
            // A promoted tenant: its own partition, and its bucket only while its vectors may still be there.
            List<Partition> own = Partition.list("collection = ?1 and strategy = ?2 and tenantId = ?3 and state in ?4 order by id",
                    collection.name(), PartitionStrategy.TENANT, tenantId, searchable);
            if (!own.isEmpty()) {
                boolean settled = own.stream().allMatch(p -> p.promotingFrom == null && p.state != PartitionState.DRAINING);
                boolean outward = own.stream().anyMatch(p -> p.state.routable());
                if (!settled && outward) {
                    leaving = rows.stream().map(p -> p.placement).collect(java.util.stream.Collectors.toUnmodifiableSet());
                }
                List<Partition> both = new ArrayList<>(own);
                if (!settled) {
                    both.addAll(rows);
                }
                rows = both;
            }
        }
        List<PartitionView> all = rows.stream().map(PartitionView::of).toList();
        return new Entry(all.stream().filter(p -> p.state().searchable()).toList(),
                all.stream().filter(p -> !p.state().searchable()).map(PartitionView::placementName).toList(), leaving);
    }

    /**
     * The placements among {@link #tenantPartitions} that the tenant's vectors are being moved out of while
     * they stay routable (its shared bucket while it is promoted): a search treats them like DRAINING ones.
     */
    public java.util.Set<String> leavingPlacements(String collection, String tenantId) {
        return byTenant.get(new Key(collection, tenantId)).leaving();
    }

    /**
     * The placements of the tenant's partitions in the collection that searches cannot read now: their
     * vectors are only in an archive (ARCHIVED), or being restored (RESTORING). Searches name them.
     */
    public List<String> archivedPlacements(String collection, String tenantId) {
        return byTenant.get(new Key(collection, tenantId)).archived();
    }

    /** The bucket a tenant's records go to in a {@code SHARED_HASH} collection, else {@code null}. */
    public static Integer bucketOf(CollectionView collection, String tenantId) {
        return collection.partitioning() instanceof Partitioning.SharedHash h ? SharedBuckets.bucketOf(tenantId, h.buckets()) : null;
    }

    /**
     * The tenant's searchable partitions in the collection (with its bucket's shards, if the collection has
     * buckets): every shard, DRAINING ones included; empty before its first write.
     */
    public List<PartitionView> tenantPartitions(String collection, String tenantId) {
        return byTenant.get(new Key(collection, tenantId)).searchable();
    }

    /**
     * {@link #tenantPartitions} if the cache holds them, else {@code null}, never waiting on PostgreSQL: for
     * deciding whether a search can run on an I/O thread.
     */
    public List<PartitionView> cachedTenantPartitions(String collection, String tenantId) {
        Entry entry = byTenant.getIfPresent(new Key(collection, tenantId));
        return entry == null ? null : entry.searchable();
    }

    /**
     * The same, read from PostgreSQL now (and refreshed in the cache), for write paths: they may wait
     * on the database, and must not act on an entry another replica has made stale.
     */
    public List<PartitionView> currentTenantPartitions(String collection, String tenantId) {
        Key key = new Key(collection, tenantId);
        byTenant.invalidate(key);
        return byTenant.get(key).searchable();
    }

    /**
     * The routable shards of the partition a key names (one, unless the key was split), created whole
     * in the directory and on the backend if the key has no partition yet. Runs on {@code c} in
     * auto-commit mode: the directory row is committed (and announced to every process) before any
     * vector is written to it, whatever becomes of the write. A placement that nothing uses yet is
     * harmless. Writers call it holding their tenant and collection shared ({@code WriteLocks}), which is
     * what keeps a split's directory switch from happening between this read and their write.
     */
    public List<PartitionView> ensure(Connection c, CollectionView collection, String tenantId, PartitionKey key, VectorBackend backend)
            throws SQLException {
        List<PartitionView> existing = PartitionLookup.keyShards(c, collection.name(), tenantId, key);
        if (existing.isEmpty()) {
            PartitionView created = key instanceof PartitionKey.Attribute a && a.value() != null
                    ? ensureAttributeValue(c, collection, tenantId, a, backend)
                    : insert(c, collection, tenantId, key, backend);
            existing = List.of(created);
        }
        List<PartitionView> routable = existing.stream().filter(p -> p.state().routable()).toList();
        for (PartitionView p : existing) {
            if (p.state().archived()) {
                throw new ArchivedPartitionException(p);
            }
        }
        if (routable.isEmpty()) {
            throw ApiException.conflict("partition " + existing.get(0).placementName() + " is " + existing.get(0).state()
                    + " and takes no writes now; retry later");
        }
        return routable;
    }

    /** A new attribute value counts against {@code maxValues}; the count and the insert are serialised per tenant and collection. */
    private PartitionView ensureAttributeValue(Connection c, CollectionView collection, String tenantId, PartitionKey.Attribute key,
                                               VectorBackend backend) throws SQLException {
        int maxValues = ((Partitioning.TenantAttribute) collection.partitioning()).maxValues();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
                lock.setInt(1, 0x70677704);
                lock.setInt(2, (collection.name() + "/" + tenantId).hashCode());
                lock.execute();
            }
            Optional<PartitionView> existing = find(c, collection, tenantId, key);
            if (existing.isPresent()) {
                c.commit();
                return existing.get();
            }
            try (PreparedStatement count = c.prepareStatement("""
                    SELECT count(DISTINCT attribute_value) FROM partitions WHERE collection = ? AND tenant_id = ?
                    AND strategy = 'TENANT_ATTRIBUTE' AND attribute_value IS NOT NULL""")) {
                count.setString(1, collection.name());
                count.setString(2, tenantId);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= maxValues) {
                        throw ApiException.invalid("metadata." + ((Partitioning.TenantAttribute) collection.partitioning()).field(),
                                "tenant '" + tenantId + "' already has " + maxValues + " values of it in collection '" + collection.name()
                                        + "', the collection's maxValues; nothing was stored");
                    }
                }
            }
            PartitionView created = insert(c, collection, tenantId, key, backend);
            c.commit();
            return created;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private PartitionView insert(Connection c, CollectionView collection, String tenantId, PartitionKey key, VectorBackend backend)
            throws SQLException {
        int inserted;
        try (PreparedStatement insert = c.prepareStatement("""
                INSERT INTO partitions (collection, tenant_id, strategy, backend, placement, state, vector_count,
                                        window_start, window_end, attribute_value, bucket, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 'ACTIVE', 0, ?, ?, ?, ?, now(), now())
                ON CONFLICT DO NOTHING""")) {
            insert.setString(1, collection.name());
            insert.setString(2, key instanceof PartitionKey.Bucket ? null : tenantId);
            insert.setString(3, collection.strategy().name());
            insert.setString(4, collection.backend());
            insert.setString(5, key.placementName(tenantId));
            if (key instanceof PartitionKey.Window w) {
                insert.setTimestamp(6, Timestamp.from(w.window().from()));
                insert.setTimestamp(7, Timestamp.from(w.window().to()));
            } else {
                insert.setNull(6, Types.TIMESTAMP_WITH_TIMEZONE);
                insert.setNull(7, Types.TIMESTAMP_WITH_TIMEZONE);
            }
            insert.setString(8, key instanceof PartitionKey.Attribute a ? a.value() : null);
            if (key instanceof PartitionKey.Bucket b) {
                insert.setInt(9, b.index());
            } else {
                insert.setNull(9, Types.INTEGER);
            }
            inserted = insert.executeUpdate();
        }
        PartitionView partition = find(c, collection, tenantId, key)
                .orElseThrow(() -> new IllegalStateException("partition " + key + " of " + tenantId + " in " + collection.name() + " vanished"));
        if (inserted == 1) {
            // A process that dies here leaves a row whose placement does not exist yet: writers that
            // then meet NotFound ensure it and retry (see VectorWriter).
            backend.ensurePartition(partition.placementFor(collection, tenantId));
            changes.publishCommitted(c, key instanceof PartitionKey.Bucket
                    ? Change.directory(collection.name(), Change.ALL_TENANTS) : Change.directory(collection.name(), tenantId));
        }
        return partition;
    }

    private static Optional<PartitionView> find(Connection c, CollectionView collection, String tenantId, PartitionKey key) throws SQLException {
        return PartitionLookup.keyShards(c, collection.name(), tenantId, key).stream().findFirst();
    }

    // ---------------------------------------------------------------- splits

    /**
     * The directory switch that starts a split, in the caller's transaction (which must hold off every
     * write that could be placed in {@code source}: its tenant's, or for a shared bucket the
     * collection's): inserts the {@code into} shards of {@code source} as ACTIVE and makes {@code source}
     * DRAINING. From its commit on, every write of an id of {@code source} goes to the new shard that
     * owns it. Returns the new shards. Announce it with {@link #announce} after the commit.
     */
    public List<PartitionView> beginSplit(Connection c, PartitionView source, int into) throws SQLException {
        List<Long> created = new ArrayList<>();
        try (PreparedStatement insert = c.prepareStatement("""
                INSERT INTO partitions (collection, tenant_id, strategy, backend, placement, state, vector_count, window_start, window_end,
                                        attribute_value, bucket, hash_modulus, hash_residue, split_of, created_at, updated_at)
                SELECT collection, tenant_id, strategy, backend, ?, 'ACTIVE', 0, window_start, window_end,
                       attribute_value, bucket, ?, ?, id, now(), now()
                FROM partitions WHERE id = ?
                RETURNING id""")) {
            for (HashShard shard : source.shard().split(into)) {
                insert.setString(1, placementOf(source, shard));
                insert.setInt(2, shard.modulus());
                insert.setInt(3, shard.residue());
                insert.setLong(4, source.id());
                try (ResultSet rs = insert.executeQuery()) {
                    rs.next();
                    created.add(rs.getLong(1));
                }
            }
        }
        setState(c, List.of(source.id()), PartitionState.DRAINING);
        Map<Long, PartitionView> shards = PartitionLookup.byId(c, created);
        return created.stream().map(shards::get).toList();
    }

    /** The placement name of a shard of {@code source}'s key: the key's name, then the shard's suffix. */
    public static String placementOf(PartitionView source, HashShard shard) {
        String suffix = source.shard().placementSuffix();
        if (!source.placementName().endsWith(suffix)) {
            throw new IllegalStateException("placement " + source.placementName() + " does not end with its shard suffix " + suffix);
        }
        return source.placementName().substring(0, source.placementName().length() - suffix.length()) + shard.placementSuffix();
    }

    /**
     * The switch that cancels a split, in the caller's transaction (holding off the same writes as
     * {@link #beginSplit}): {@code source} is ACTIVE again and its new shards DRAINING, so that what was
     * moved moves back. The routable shards still tile the key: {@code source} owns exactly their ids.
     */
    public void reverseSplit(Connection c, PartitionView source, List<PartitionView> shards) throws SQLException {
        setState(c, shards.stream().map(PartitionView::id).toList(), PartitionState.DRAINING);
        setState(c, List.of(source.id()), PartitionState.ACTIVE);
    }

    /** The shards a partition was split into that still exist, oldest first. */
    public static List<PartitionView> splitInto(Connection c, long source) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT id FROM partitions WHERE split_of = ? ORDER BY id")) {
            s.setLong(1, source);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        Map<Long, PartitionView> found = PartitionLookup.byId(c, ids);
        return ids.stream().map(found::get).toList();
    }

    /**
     * Removes an emptied DRAINING partition from the directory, in the caller's transaction; {@code false}
     * (and nothing removed) if a registry row still names it. Drop its placement in the same transaction,
     * before the commit, and announce it after.
     */
    public boolean removeDrained(Connection c, PartitionView partition) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                DELETE FROM partitions WHERE id = ? AND state = 'DRAINING'
                AND NOT EXISTS (SELECT 1 FROM vector_registry WHERE partition_id = ?)""")) {
            s.setLong(1, partition.id());
            s.setLong(2, partition.id());
            return s.executeUpdate() == 1;
        }
    }

    // ---------------------------------------------------------------- promotions

    /**
     * The directory switch that starts a promotion, in the caller's transaction (which must hold off the
     * tenant's writes): inserts the tenant's own partition, ACTIVE, promoting from {@code bucket}. From
     * its commit on, every write of the tenant goes to it. Announce it with {@link #announce} after the commit.
     */
    public PartitionView beginPromotion(Connection c, CollectionView collection, String tenantId, int bucket) throws SQLException {
        long id;
        try (PreparedStatement insert = c.prepareStatement("""
                INSERT INTO partitions (collection, tenant_id, strategy, backend, placement, state, vector_count, promoting_from,
                                        created_at, updated_at)
                VALUES (?, ?, 'TENANT', ?, ?, 'ACTIVE', 0, ?, now(), now())
                RETURNING id""")) {
            insert.setString(1, collection.name());
            insert.setString(2, tenantId);
            insert.setString(3, collection.backend());
            insert.setString(4, new PartitionKey.Dedicated().placementName(tenantId));
            insert.setInt(5, bucket);
            try (ResultSet rs = insert.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
        }
        return PartitionLookup.byId(c, List.of(id)).get(id);
    }

    /** The switch that cancels a promotion, in the caller's transaction (same locks): the tenant's own partition DRAINING, back into its bucket. */
    public void reversePromotion(Connection c, PartitionView own) throws SQLException {
        setState(c, List.of(own.id()), PartitionState.DRAINING);
    }

    /** Ends a promotion whose vectors have all left the bucket (in the caller's transaction): searches no longer cover the bucket. */
    public void completePromotion(Connection c, PartitionView own) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE partitions SET promoting_from = NULL, updated_at = now() WHERE id = ?")) {
            s.setLong(1, own.id());
            s.executeUpdate();
        }
    }

    /** Tells every process (this one at once) that the partitions of {@code partition}'s key changed; after the commit, on {@code c}. */
    public void announce(Connection c, PartitionView partition) {
        changes.publishCommitted(c, Change.directory(partition.collection(), partition.shared() ? Change.ALL_TENANTS : partition.tenantId()));
    }

    private static void setState(Connection c, List<Long> ids, PartitionState state) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE partitions SET state = ?, updated_at = now() WHERE id = ANY (?)")) {
            s.setString(1, state.name());
            s.setArray(2, c.createArrayOf("bigint", ids.toArray()));
            s.executeUpdate();
        }
    }

    void onChange(@Observes Change change) {
        switch (change.kind()) {
            case DIRECTORY -> {
                String[] key = change.directoryKey();
                if (Change.ALL_TENANTS.equals(key[1])) {
                    byTenant.asMap().keySet().removeIf(k -> k.collection().equals(key[0]));
                } else {
                    byTenant.invalidate(new Key(key[0], key[1]));
                }
            }
            case COLLECTION -> byTenant.asMap().keySet().removeIf(k -> k.collection().equals(change.key()));
            case TENANT -> byTenant.asMap().keySet().removeIf(k -> k.tenantId().equals(change.key()));
            case EVERYTHING -> byTenant.invalidateAll();
            default -> {
            }
        }
    }
}
