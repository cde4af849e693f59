package dev.partitiongateway.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/** Directory rows by id, read on a write path's own connection (no second pooled connection per write). */
public final class PartitionLookup {

    private PartitionLookup() {
    }

    public static Map<Long, PartitionView> byId(Connection c, Collection<Long> ids) throws SQLException {
        Map<Long, PartitionView> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        try (PreparedStatement s = c.prepareStatement(
                "SELECT id, collection, tenant_id, placement, state FROM partitions WHERE id = ANY (?)")) {
            s.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getLong(1), new PartitionView(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            PartitionState.valueOf(rs.getString(5))));
                }
            }
        }
        return found;
    }

    /** The tenant's partitions in a collection, as stored now. */
    public static java.util.List<PartitionView> tenantPartitions(Connection c, String collection, String tenantId) throws SQLException {
        java.util.List<PartitionView> found = new java.util.ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT id, collection, tenant_id, placement, state FROM partitions WHERE collection = ? AND tenant_id = ? ORDER BY id")) {
            s.setString(1, collection);
            s.setString(2, tenantId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(new PartitionView(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            PartitionState.valueOf(rs.getString(5))));
                }
            }
        }
        return found;
    }

    /**
     * The collection as stored now, if it exists. Writers compare it with the cached view they
     * validated against: a collection dropped and created again with another shape is a conflict.
     */
    public static java.util.Optional<CollectionView> collection(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT name, dimension, metric, backend, strategy FROM collections WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return java.util.Optional.empty();
                }
                return java.util.Optional.of(new CollectionView(rs.getString(1), rs.getInt(2),
                        dev.partitiongateway.spi.Metric.valueOf(rs.getString(3)), rs.getString(4),
                        PartitionStrategy.valueOf(rs.getString(5))));
            }
        }
    }
}
