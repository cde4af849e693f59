package dev.partitiongateway.catalog;

import dev.partitiongateway.registry.QuotaLedger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** Directory and catalog rows read on a caller's own connection (write paths and jobs: no second pooled connection). */
public final class PartitionLookup {

    static final String COLUMNS = "id, collection, tenant_id, placement, state, strategy, window_start, window_end, attribute_value, bucket, "
            + QuotaLedger.VECTORS + ", hash_modulus, hash_residue";

    private PartitionLookup() {
    }

    /** The collection as PostgreSQL has it now, read on a connection of its own (jobs act on nothing older). */
    public static Optional<CollectionView> collection(DataSource dataSource, String name) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return collection(c, name);
        }
    }

    /** The partition as PostgreSQL has it now, read on a connection of its own; {@code null} once it is gone. */
    public static PartitionView partition(DataSource dataSource, long id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return byId(c, List.of(id)).get(id);
        }
    }

    public static Map<Long, PartitionView> byId(Connection c, Collection<Long> ids) throws SQLException {
        Map<Long, PartitionView> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM partitions p WHERE id = ANY (?)")) {
            s.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    PartitionView view = view(rs);
                    found.put(view.id(), view);
                }
            }
        }
        return found;
    }

    /**
     * The partitions that may hold the tenant's records in a collection: its own, and its shared bucket
     * (with buckets, its own exist only if it was promoted out of its bucket).
     */
    public static List<PartitionView> tenantPartitions(Connection c, CollectionView collection, String tenantId) throws SQLException {
        Integer bucket = PartitionDirectory.bucketOf(collection, tenantId);
        List<PartitionView> found = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM partitions p WHERE collection = ? AND "
                + (bucket == null ? "tenant_id = ?" : "((strategy = 'SHARED_HASH' AND bucket = ?) OR (strategy = 'TENANT' AND tenant_id = ?))")
                + " ORDER BY id")) {
            s.setString(1, collection.name());
            if (bucket == null) {
                s.setString(2, tenantId);
            } else {
                s.setInt(2, bucket);
                s.setString(3, tenantId);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(view(rs));
                }
            }
        }
        return found;
    }

    /** Every shard of the key {@code partition} belongs to (itself included), in any state, oldest first. */
    public static List<PartitionView> keyShards(Connection c, PartitionView partition) throws SQLException {
        return keyShards(c, partition.collection(), partition.strategy(), partition.tenantId(), partition.windowStart(),
                partition.attributeValue(), partition.bucket());
    }

    /** Every shard of the partition a strategy key names for a tenant, in any state, oldest first. */
    public static List<PartitionView> keyShards(Connection c, String collection, String tenantId, PartitionKey key) throws SQLException {
        if (key instanceof PartitionKey.Window w) {
            return keyShards(c, collection, PartitionStrategy.TENANT_TIME, tenantId, w.window().from(), null, null);
        }
        if (key instanceof PartitionKey.Attribute a) {
            return keyShards(c, collection, PartitionStrategy.TENANT_ATTRIBUTE, tenantId, null, a.value(), null);
        }
        if (key instanceof PartitionKey.Bucket b) {
            return keyShards(c, collection, PartitionStrategy.SHARED_HASH, null, null, null, b.index());
        }
        return keyShards(c, collection, PartitionStrategy.TENANT, tenantId, null, null, null);
    }

    /**
     * The routable shard of {@code partition}'s key that owns {@code id}: where a vector registered in
     * a DRAINING partition is, or soon will be. {@code null} if the key has none (it was dropped).
     */
    public static PartitionView routableOwner(Connection c, PartitionView partition, String id) throws SQLException {
        return HashShard.ownerOf(keyShards(c, partition), id);
    }

    /**
     * The partitions that vectors of {@code tenantId} registered in {@code partition} are being moved to,
     * or an empty list if they are not moving; of these, {@link HashShard#ownerOf} names each id's.
     * <ul>
     *   <li>a shared bucket, while the tenant has a routable partition of its own (a promotion): that one
     *       (its shards, if it was split);</li>
     *   <li>a DRAINING partition (a split, or a split being cancelled): the routable shards of its key;</li>
     *   <li>a promoted tenant's own DRAINING partition with no routable shard (a promotion being cancelled):
     *       the shards of the tenant's bucket.</li>
     * </ul>
     */
    public static List<PartitionView> moveTargets(Connection c, PartitionView partition, String tenantId) throws SQLException {
        if (partition.shared()) {
            List<PartitionView> own = keyShards(c, partition.collection(), PartitionStrategy.TENANT, tenantId, null, null, null);
            if (own.stream().anyMatch(p -> p.state().routable())) {
                return own;
            }
        }
        if (partition.state().routable()) {
            return List.of();
        }
        List<PartitionView> key = keyShards(c, partition);
        if (key.stream().noneMatch(p -> p.state().routable()) && partition.strategy() == PartitionStrategy.TENANT) {
            Optional<CollectionView> collection = collection(c, partition.collection());
            Integer bucket = collection.isEmpty() ? null : PartitionDirectory.bucketOf(collection.get(), tenantId);
            if (bucket != null) {
                return keyShards(c, partition.collection(), PartitionStrategy.SHARED_HASH, null, null, null, bucket);
            }
        }
        return key;
    }

    /** The partition {@code id} of {@code tenantId} registered in {@code partition} is being moved to, or {@code null}. */
    public static PartitionView moveTarget(Connection c, PartitionView partition, String tenantId, String id) throws SQLException {
        return HashShard.ownerOf(moveTargets(c, partition, tenantId), id);
    }

    /** The partitions of the tenant's own key in a collection (strategy TENANT), in any state, oldest first. */
    public static List<PartitionView> dedicated(Connection c, String collection, String tenantId) throws SQLException {
        return keyShards(c, collection, PartitionStrategy.TENANT, tenantId, null, null, null);
    }

    /** The bucket a promotion is moving a partition's tenant out of (or back into), or {@code null}. */
    public static Integer promotingFrom(Connection c, long partitionId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT promoting_from FROM partitions WHERE id = ?")) {
            s.setLong(1, partitionId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                int bucket = rs.getInt(1);
                return rs.wasNull() ? null : bucket;
            }
        }
    }

    /** Whether a promotion is under way in the collection for the tenant, or out of the bucket. */
    public static boolean promotionUnderway(Connection c, String collection, String tenantId, Integer bucket) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                SELECT 1 FROM partitions WHERE collection = ? AND strategy = 'TENANT' AND promoting_from IS NOT NULL
                AND (tenant_id = ? OR promoting_from = ?) LIMIT 1""")) {
            s.setString(1, collection);
            s.setString(2, tenantId);
            if (bucket == null) {
                s.setNull(3, java.sql.Types.INTEGER);
            } else {
                s.setInt(3, bucket);
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static List<PartitionView> keyShards(Connection c, String collection, PartitionStrategy strategy, String tenantId,
                                                 Instant windowStart, String attributeValue, Integer bucket) throws SQLException {
        String where = switch (strategy) {
            case TENANT -> "tenant_id = ?";
            case TENANT_TIME -> "tenant_id = ? AND window_start = ?";
            case TENANT_ATTRIBUTE -> attributeValue == null ? "tenant_id = ? AND attribute_value IS NULL" : "tenant_id = ? AND attribute_value = ?";
            case SHARED_HASH -> "bucket = ?";
        };
        List<PartitionView> found = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM partitions p WHERE collection = ? AND strategy = ? AND "
                + where + " ORDER BY id")) {
            s.setString(1, collection);
            s.setString(2, strategy.name());
            if (strategy == PartitionStrategy.SHARED_HASH) {
                s.setInt(3, bucket);
            } else {
                s.setString(3, tenantId);
                if (strategy == PartitionStrategy.TENANT_TIME) {
                    s.setTimestamp(4, Timestamp.from(windowStart));
                } else if (strategy == PartitionStrategy.TENANT_ATTRIBUTE && attributeValue != null) {
                    s.setString(4, attributeValue);
                }
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(view(rs));
                }
            }
        }
        return found;
    }

    /**
     * The collection as stored now, if it exists. Writers compare it with the cached view they
     * validated against: a collection dropped and created again under the same name is a conflict.
     */
    public static Optional<CollectionView> collection(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT name, dimension, metric, backend, partitioning::text, created_at FROM collections WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Partitioning partitioning;
                try {
                    partitioning = Partitioning.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree(rs.getString(5)));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException("stored partitioning of " + name + " is not JSON", e);
                }
                return Optional.of(new CollectionView(rs.getString(1), rs.getInt(2),
                        dev.partitiongateway.spi.Metric.valueOf(rs.getString(3)), rs.getString(4), partitioning,
                        rs.getTimestamp(6).toInstant()));
            }
        }
    }

    static PartitionView view(ResultSet rs) throws SQLException {
        Timestamp from = rs.getTimestamp(7);
        Timestamp to = rs.getTimestamp(8);
        int bucket = rs.getInt(10);
        Integer bucketOrNull = rs.wasNull() ? null : bucket;
        return new PartitionView(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                PartitionState.valueOf(rs.getString(5)), PartitionStrategy.valueOf(rs.getString(6)),
                instant(from), instant(to), rs.getString(9), bucketOrNull, rs.getLong(11), new HashShard(rs.getInt(12), rs.getInt(13)));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
