package dev.partitiongateway.registry;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/**
 * Per-tenant vector usage. {@link #lock} takes the tenant's usage row FOR UPDATE, so every write of
 * one tenant is serialised on it: the quota check and the registry change of one request see no
 * concurrent change of the same tenant, which is what makes the quota exact. Tenants never wait on
 * each other. All methods run inside the caller's transaction.
 */
@ApplicationScoped
public class QuotaLedger {

    /** A tenant's usage and quota, read under the lock. */
    public record Usage(long vectors, long maxVectors) {
    }

    private final AgroalDataSource dataSource;

    QuotaLedger(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Usage lock(String tenantId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     SELECT u.vectors, t.max_vectors FROM tenant_usage u JOIN tenants t ON t.id = u.tenant_id
                     WHERE u.tenant_id = ? FOR UPDATE OF u""")) {
            s.setString(1, tenantId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("tenant '" + tenantId + "' has no usage row");
                }
                return new Usage(rs.getLong(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot lock usage of tenant " + tenantId, e);
        }
    }

    /** Adds {@code delta} (negative to give quota back) to the tenant's usage and to each partition's count. */
    public void adjust(String tenantId, long delta, Map<Long, Long> perPartition) {
        try (Connection c = dataSource.getConnection()) {
            if (delta != 0) {
                try (PreparedStatement s = c.prepareStatement(
                        "UPDATE tenant_usage SET vectors = vectors + ?, updated_at = now() WHERE tenant_id = ?")) {
                    s.setLong(1, delta);
                    s.setString(2, tenantId);
                    s.executeUpdate();
                }
            }
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE partitions SET vector_count = vector_count + ?, updated_at = now() WHERE id = ?")) {
                for (Map.Entry<Long, Long> e : perPartition.entrySet()) {
                    if (e.getValue() != 0) {
                        s.setLong(1, e.getValue());
                        s.setLong(2, e.getKey());
                        s.addBatch();
                    }
                }
                s.executeBatch();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot adjust usage of tenant " + tenantId, e);
        }
    }
}
