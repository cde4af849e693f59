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
import java.util.List;
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

    private final LoadingCache<Key, List<PartitionView>> byTenant;
    private final CollectionCatalog catalog;
    private final ChangeNotifier changes;

    PartitionDirectory(GatewayConfig config, CollectionCatalog catalog, ChangeNotifier changes) {
        this.catalog = catalog;
        this.changes = changes;
        this.byTenant = RefreshAhead.within(Caffeine.newBuilder().maximumSize(1_000_000), config.auth().cacheTtl())
                .build(key -> catalog.find(key.collection())
                        .map(collection -> QuarkusTransaction.joiningExisting().call(() -> load(collection, key.tenantId())))
                        .orElse(List.of()));
    }

    private static List<PartitionView> load(CollectionView collection, String tenantId) {
        Integer bucket = bucketOf(collection, tenantId);
        List<Partition> rows = bucket == null
                ? Partition.list("collection = ?1 and tenantId = ?2 and state = ?3 order by id", collection.name(), tenantId,
                        PartitionState.ACTIVE)
                : Partition.list("collection = ?1 and strategy = ?2 and bucket = ?3 and state = ?4", collection.name(),
                        PartitionStrategy.SHARED_HASH, bucket, PartitionState.ACTIVE);
        return rows.stream().map(PartitionView::of).toList();
    }

    /** The bucket a tenant's records go to in a {@code SHARED_HASH} collection, else {@code null}. */
    public static Integer bucketOf(CollectionView collection, String tenantId) {
        return collection.partitioning() instanceof Partitioning.SharedHash h ? SharedBuckets.bucketOf(tenantId, h.buckets()) : null;
    }

    /** The tenant's active partitions in the collection (with its bucket, if the collection has buckets); empty before its first write. */
    public List<PartitionView> tenantPartitions(String collection, String tenantId) {
        return byTenant.get(new Key(collection, tenantId));
    }

    /**
     * The same, read from PostgreSQL now (and refreshed in the cache), for write paths: they may wait
     * on the database, and must not act on an entry another replica has made stale.
     */
    public List<PartitionView> currentTenantPartitions(String collection, String tenantId) {
        Key key = new Key(collection, tenantId);
        byTenant.invalidate(key);
        return byTenant.get(key);
    }

    /**
     * The partition a key names, created in the directory and on the backend if it does not exist.
     * Runs on {@code c} in auto-commit mode: the directory row is committed (and announced to every
     * process) before any vector is written to it, whatever becomes of the write. A placement that
     * nothing uses yet is harmless.
     */
    public PartitionView ensure(Connection c, CollectionView collection, String tenantId, PartitionKey key, VectorBackend backend)
            throws SQLException {
        Optional<PartitionView> existing = find(c, collection, tenantId, key);
        if (existing.isPresent()) {
            return existing.get();
        }
        if (key instanceof PartitionKey.Attribute a && a.value() != null) {
            return ensureAttributeValue(c, collection, tenantId, a, backend);
        }
        return insert(c, collection, tenantId, key, backend);
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
                    SELECT count(*) FROM partitions WHERE collection = ? AND tenant_id = ?
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
        String where;
        if (key instanceof PartitionKey.Window) {
            where = "tenant_id = ? AND strategy = 'TENANT_TIME' AND window_start = ?";
        } else if (key instanceof PartitionKey.Attribute a) {
            where = a.value() == null
                    ? "tenant_id = ? AND strategy = 'TENANT_ATTRIBUTE' AND attribute_value IS NULL"
                    : "tenant_id = ? AND strategy = 'TENANT_ATTRIBUTE' AND attribute_value = ?";
        } else if (key instanceof PartitionKey.Bucket) {
            where = "strategy = 'SHARED_HASH' AND bucket = ?";
        } else {
            where = "tenant_id = ? AND strategy = 'TENANT'";
        }
        try (PreparedStatement s = c.prepareStatement("SELECT " + PartitionLookup.COLUMNS + " FROM partitions WHERE collection = ? AND " + where)) {
            s.setString(1, collection.name());
            if (key instanceof PartitionKey.Bucket b) {
                s.setInt(2, b.index());
            } else {
                s.setString(2, tenantId);
                if (key instanceof PartitionKey.Window w) {
                    s.setTimestamp(3, Timestamp.from(w.window().from()));
                } else if (key instanceof PartitionKey.Attribute a && a.value() != null) {
                    s.setString(3, a.value());
                }
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(PartitionLookup.view(rs)) : Optional.empty();
            }
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
