package dev.partitiongateway.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Per-tenant vector usage and per-partition counts. Usage only moves in ways that can over-count,
 * never under-count, when a process dies between two steps: quota for new vectors is
 * {@linkplain #reserve reserved} (with their pending registry rows) before anything is written, and
 * given back in the transaction that unregisters vectors. The reconciler recounts what a crash left over.
 */
public final class QuotaLedger {

    /** A tenant's usage after a reservation, and its quota. */
    public record Usage(long vectors, long maxVectors) {
    }

    /** The outcome of a reservation. */
    public sealed interface Reservation {
        /** Reserved: usage now includes the new vectors. */
        record Granted(Usage usage) implements Reservation {
        }

        /** Refused: the tenant would cross its quota; nothing changed. */
        record OverQuota(Usage usage) implements Reservation {
        }

        /** The tenant (this incarnation of it) no longer exists. */
        record TenantGone() implements Reservation {
        }
    }

    private QuotaLedger() {
    }

    /**
     * Adds {@code vectors} to the tenant's usage if that stays within its quota, in the caller's short
     * transaction (never one that spans a backend call: the usage row stays locked until it ends).
     * That transaction may commit asynchronously: PostgreSQL's log is sequential, so the later
     * synchronous commit that confirms the write also makes this reservation durable, and a
     * reservation lost in a crash belongs to a write that was never confirmed.
     */
    public static Reservation reserve(Connection c, String tenantId, java.util.UUID tenantUid, long vectors) throws SQLException {
        try (PreparedStatement relaxed = c.prepareStatement("SET LOCAL synchronous_commit = off");
             PreparedStatement s = c.prepareStatement("""
                     UPDATE tenant_usage u SET vectors = u.vectors + ?, updated_at = now()
                     FROM tenants t
                     WHERE u.tenant_id = ? AND t.id = u.tenant_id AND t.uid = ? AND u.vectors + ? <= t.max_vectors
                     RETURNING u.vectors, t.max_vectors""")) {
            relaxed.execute();
            s.setLong(1, vectors);
            s.setString(2, tenantId);
            s.setObject(3, tenantUid);
            s.setLong(4, vectors);
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    return new Reservation.Granted(new Usage(rs.getLong(1), rs.getLong(2)));
                }
            }
        }
        return current(c, tenantId, tenantUid).<Reservation>map(Reservation.OverQuota::new).orElseGet(Reservation.TenantGone::new);
    }

    /** The tenant's usage and quota, if this incarnation of the tenant exists. */
    public static Optional<Usage> current(Connection c, String tenantId, java.util.UUID tenantUid) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                SELECT u.vectors, t.max_vectors FROM tenant_usage u JOIN tenants t ON t.id = u.tenant_id
                WHERE u.tenant_id = ? AND t.uid = ?""")) {
            s.setString(1, tenantId);
            s.setObject(2, tenantUid);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(new Usage(rs.getLong(1), rs.getLong(2))) : Optional.empty();
            }
        }
    }

    /** Adds {@code delta} (negative gives quota back) to the tenant's usage, in the caller's transaction. */
    public static void adjust(Connection c, String tenantId, long delta) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE tenant_usage SET vectors = vectors + ?, updated_at = now() WHERE tenant_id = ?")) {
            s.setLong(1, delta);
            s.setString(2, tenantId);
            s.executeUpdate();
        }
    }

    /**
     * How many stripes a partition's count is spread over. A write adds to one stripe at random, so two
     * concurrent writes of a partition wait for each other with a probability of 1 in this.
     */
    static final int COUNT_STRIPES = 32;

    /**
     * Adds each delta to its partition's count, in the caller's transaction: to one {@linkplain #COUNT_STRIPES
     * stripe} of it (table {@code partition_counts}), never to the partition's row, because a row a
     * transaction updates stays locked until its commit's WAL flush and every write of the partition would
     * queue behind the one before. Stripes are taken in partition order, one per partition, so two writers
     * never lock them in opposite orders. Read a count with {@link #VECTORS}.
     */
    public static void adjustPartitions(Connection c, Map<Long, Long> deltas) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO partition_counts AS pc (partition_id, stripe, delta) VALUES (?, ?, ?)
                ON CONFLICT (partition_id, stripe) DO UPDATE SET delta = pc.delta + EXCLUDED.delta""")) {
            boolean any = false;
            for (Map.Entry<Long, Long> e : new TreeMap<>(deltas).entrySet()) {
                if (e.getValue() != 0) {
                    s.setLong(1, e.getKey());
                    s.setInt(2, ThreadLocalRandom.current().nextInt(COUNT_STRIPES));
                    s.setLong(3, e.getValue());
                    s.addBatch();
                    any = true;
                }
            }
            if (any) {
                s.executeBatch();
            }
        }
    }

    /**
     * The SQL of a partition's exact vector count, for a query over {@code partitions} aliased {@code p}:
     * its base ({@code vector_count}) plus its stripes.
     */
    public static final String VECTORS = "partition_vectors(p.id, p.vector_count)";
}
