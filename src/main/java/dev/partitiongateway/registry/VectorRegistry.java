package dev.partitiongateway.registry;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One row per stored vector: (tenant, collection, external id) -> partition. It tells an insert from
 * an update (so quotas count each id once), which partition holds an id, and it is what backends are
 * reconciled against.
 *
 * <p>A row is ACTIVE (the backend holds the vector) or PENDING (a write registered it and reserved its
 * quota, and has not yet confirmed that the backend holds it). Rows also order writes of one id:
 * {@link #lock} locks the rows a write touches until the writing transaction ends, and that
 * transaction spans the backend call, so two writes of one id reach the backend in the order they
 * commit here. All methods run in the caller's transaction.
 */
public final class VectorRegistry {

    /** A registry row as a writer sees it once locked. */
    public record Row(long partitionId, boolean pending, UUID writeId) {
    }

    private VectorRegistry() {
    }

    /**
     * Registers the ids that are not registered yet as PENDING in their target partition, owned by
     * {@code writeId}, and returns them. Ids registered already (active, or pending for another write)
     * are left alone. Runs in the caller's short transaction, with the quota reservation for exactly
     * the returned ids; a concurrent registration of the same new id waits for that transaction.
     */
    public static Set<String> registerPending(Connection c, String tenantId, String collection, Map<String, Long> targetPartition,
                                              UUID writeId) throws SQLException {
        Map<String, Long> sorted = new TreeMap<>(targetPartition);
        Set<String> inserted = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO vector_registry (tenant_id, collection, external_id, partition_id, updated_at, state, write_id)
                SELECT ?, ?, t.id, t.partition_id, now(), 'PENDING', ?
                FROM unnest(?::varchar[], ?::bigint[]) WITH ORDINALITY AS t(id, partition_id, n) ORDER BY t.n
                ON CONFLICT (tenant_id, collection, external_id) DO NOTHING
                RETURNING external_id""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            s.setObject(3, writeId);
            s.setArray(4, c.createArrayOf("varchar", sorted.keySet().toArray()));
            s.setArray(5, c.createArrayOf("bigint", sorted.values().toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    inserted.add(rs.getString(1));
                }
            }
        }
        return inserted;
    }

    /**
     * Locks the rows of these ids until the transaction ends, in one fixed order (Java string order,
     * the order every writer uses, so writers of overlapping ids wait for each other instead of
     * deadlocking) and returns what they hold. An id without a row is absent from the result.
     */
    public static Map<String, Row> lock(Connection c, String tenantId, String collection, Collection<String> ids) throws SQLException {
        Map<String, Row> found = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT r.external_id, r.partition_id, r.state = 'PENDING', r.write_id
                FROM unnest(?::varchar[]) WITH ORDINALITY AS t(id, n)
                JOIN vector_registry r ON r.tenant_id = ? AND r.collection = ? AND r.external_id = t.id
                ORDER BY t.n FOR UPDATE OF r""")) {
            s.setArray(1, textArray(c, new TreeSet<>(ids)));
            s.setString(2, tenantId);
            s.setString(3, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1), new Row(rs.getLong(2), rs.getBoolean(3), rs.getObject(4, UUID.class)));
                }
            }
        }
        return found;
    }

    /** Points these (locked) ids at new partitions. */
    public static void repoint(Connection c, String tenantId, String collection, Map<String, Long> newPartition) throws SQLException {
        if (newPartition.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("""
                UPDATE vector_registry r SET partition_id = t.partition_id, updated_at = now()
                FROM unnest(?::varchar[], ?::bigint[]) AS t(id, partition_id)
                WHERE r.tenant_id = ? AND r.collection = ? AND r.external_id = t.id""")) {
            s.setArray(1, c.createArrayOf("varchar", newPartition.keySet().toArray()));
            s.setArray(2, c.createArrayOf("bigint", newPartition.values().toArray()));
            s.setString(3, tenantId);
            s.setString(4, collection);
            s.executeUpdate();
        }
    }

    /** Makes these (locked) rows ACTIVE: the backend holds what they describe. */
    public static void activate(Connection c, String tenantId, String collection, Collection<String> ids) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                UPDATE vector_registry SET state = 'ACTIVE', write_id = NULL, updated_at = now()
                WHERE tenant_id = ? AND collection = ? AND external_id = ANY (?) AND state = 'PENDING'""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            s.setArray(3, textArray(c, ids));
            s.executeUpdate();
        }
    }

    /**
     * Removes the rows of a failed write that are still PENDING and its own, and returns how many:
     * exactly the quota to give back. A row another write has since made active stays (and keeps its quota).
     */
    public static int abandonPending(Connection c, String tenantId, String collection, Collection<String> ids, UUID writeId)
            throws SQLException {
        if (ids.isEmpty()) {
            return 0;
        }
        try (PreparedStatement s = c.prepareStatement("""
                DELETE FROM vector_registry
                WHERE tenant_id = ? AND collection = ? AND external_id = ANY (?) AND state = 'PENDING' AND write_id = ?""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            s.setArray(3, textArray(c, ids));
            s.setObject(4, writeId);
            return s.executeUpdate();
        }
    }

    /** Removes these ids' rows; returns, per partition, how many were removed. */
    public static Map<Long, Long> unregister(Connection c, String tenantId, String collection, Collection<String> ids) throws SQLException {
        Map<Long, Long> removed = new HashMap<>();
        if (ids.isEmpty()) {
            return removed;
        }
        try (PreparedStatement s = c.prepareStatement("""
                DELETE FROM vector_registry WHERE tenant_id = ? AND collection = ? AND external_id = ANY (?)
                RETURNING partition_id""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            s.setArray(3, textArray(c, ids));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    removed.merge(rs.getLong(1), 1L, Long::sum);
                }
            }
        }
        return removed;
    }

    /** Registered vectors per tenant in a collection (for giving quota back when it is dropped). */
    public static Map<String, Long> countsByTenant(Connection c, String collection) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT tenant_id, count(*) FROM vector_registry WHERE collection = ? GROUP BY tenant_id")) {
            s.setString(1, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return counts;
    }

    /** Pending rows of a tenant in a collection: id -> partition. */
    public static Map<String, Long> pending(Connection c, String tenantId, String collection) throws SQLException {
        Map<String, Long> found = new TreeMap<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT external_id, partition_id FROM vector_registry
                WHERE tenant_id = ? AND collection = ? AND state = 'PENDING'""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return found;
    }

    /** Active ids of a tenant in one partition, with when each row last changed. */
    public static Map<String, java.time.Instant> activeIds(Connection c, long partitionId, String tenantId) throws SQLException {
        Map<String, java.time.Instant> ids = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT external_id, updated_at FROM vector_registry
                WHERE partition_id = ? AND tenant_id = ? AND state = 'ACTIVE'""")) {
            s.setLong(1, partitionId);
            s.setString(2, tenantId);
            s.setFetchSize(10_000);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.put(rs.getString(1), rs.getTimestamp(2).toInstant());
                }
            }
        }
        return ids;
    }

    /** How many active rows a tenant has in one partition. */
    public static long countActive(Connection c, long partitionId, String tenantId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT count(*) FROM vector_registry WHERE partition_id = ? AND tenant_id = ? AND state = 'ACTIVE'")) {
            s.setLong(1, partitionId);
            s.setString(2, tenantId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The partition each of these ids is registered in (any state), without locking. */
    public static Map<String, Long> partitionsOf(Connection c, String tenantId, String collection, Collection<String> ids) throws SQLException {
        Map<String, Long> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        try (PreparedStatement s = c.prepareStatement("""
                SELECT external_id, partition_id FROM vector_registry
                WHERE tenant_id = ? AND collection = ? AND external_id = ANY (?)""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            s.setArray(3, textArray(c, ids));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return found;
    }

    /** Registers ids the backend holds as ACTIVE in a partition (the reconciler adopting orphans); returns how many were added. */
    public static int adopt(Connection c, String tenantId, String collection, long partitionId, Collection<String> ids) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO vector_registry (tenant_id, collection, external_id, partition_id, updated_at, state)
                SELECT ?, ?, id, ?, now(), 'ACTIVE' FROM unnest(?::varchar[]) AS id
                ON CONFLICT (tenant_id, collection, external_id) DO NOTHING""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            s.setLong(3, partitionId);
            s.setArray(4, textArray(c, ids));
            return s.executeUpdate();
        }
    }

    /** Removes every row of a tenant in a collection, in the caller's (JTA) transaction; returns how many. */
    public static long removeAll(javax.sql.DataSource dataSource, String tenantId, String collection) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM vector_registry WHERE tenant_id = ? AND collection = ?")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot remove the registry rows of " + tenantId + " in " + collection, e);
        }
    }

    static Array textArray(Connection c, Collection<String> ids) throws SQLException {
        return c.createArrayOf("varchar", ids.toArray());
    }
}
