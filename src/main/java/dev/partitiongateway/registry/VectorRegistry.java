package dev.partitiongateway.registry;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One row per stored vector: (tenant, collection, external id) -> partition. It tells an insert from
 * an update (so quotas count each id once) and which partition holds an id. Runs inside the
 * caller's transaction; callers hold the tenant's {@link QuotaLedger#lock}.
 */
@ApplicationScoped
public class VectorRegistry {

    private final AgroalDataSource dataSource;

    VectorRegistry(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Which of these ids the tenant already has in the collection. */
    public Set<String> existing(String tenantId, String collection, Collection<String> ids) {
        Set<String> found = new HashSet<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     SELECT external_id FROM vector_registry
                     WHERE tenant_id = ? AND collection = ? AND external_id = ANY (?)""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            s.setArray(3, textArray(c, ids));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
            return found;
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    public void register(String tenantId, String collection, long partitionId, Collection<String> newIds) {
        if (newIds.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     INSERT INTO vector_registry (tenant_id, collection, external_id, partition_id, updated_at)
                     SELECT ?, ?, id, ?, now() FROM unnest(?::varchar[]) AS id""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            s.setLong(3, partitionId);
            s.setArray(4, textArray(c, newIds));
            s.executeUpdate();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Removes these ids and returns, per partition, the ids that were registered there. */
    public Map<Long, List<String>> unregister(String tenantId, String collection, Collection<String> ids) {
        Map<Long, List<String>> removed = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     DELETE FROM vector_registry
                     WHERE tenant_id = ? AND collection = ? AND external_id = ANY (?)
                     RETURNING partition_id, external_id""")) {
            s.setString(1, tenantId);
            s.setString(2, collection);
            s.setArray(3, textArray(c, ids));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    removed.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
            return removed;
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Registered vectors per tenant in a collection (for giving quota back when it is dropped). */
    public Map<String, Long> countsByTenant(String collection) {
        Map<String, Long> counts = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(
                     "SELECT tenant_id, count(*) FROM vector_registry WHERE collection = ? GROUP BY tenant_id ORDER BY tenant_id")) {
            s.setString(1, collection);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
            return counts;
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private static Array textArray(Connection c, Collection<String> ids) throws SQLException {
        return c.createArrayOf("varchar", ids.toArray());
    }

    private static IllegalStateException failure(SQLException e) {
        return new IllegalStateException("vector registry query failed", e);
    }
}
