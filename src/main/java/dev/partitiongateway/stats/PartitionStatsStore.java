package dev.partitiongateway.stats;

import dev.partitiongateway.catalog.Partition;
import dev.partitiongateway.catalog.PartitionHeat;
import dev.partitiongateway.catalog.PartitionState;
import dev.partitiongateway.catalog.PartitionStrategy;
import dev.partitiongateway.config.GatewayConfig;
import dev.partitiongateway.registry.QuotaLedger;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Partition statistics in PostgreSQL ({@code partition_stats}, {@code partition_load}, {@code partitions.heat}):
 * what the flush writes, what the admin API lists and sorts, what the heat evaluation reads and decides.
 * Never called on the search or write path.
 */
@ApplicationScoped
public class PartitionStatsStore {

    /** Last search and write of a partition on this process ({@code null}: nothing new to write). */
    record Times(long partitionId, Instant lastQuery, Instant lastWrite) {
    }

    /** This process's window figures of a partition. */
    record Load(long partitionId, WindowFigures figures) {
    }

    /** A partition as listed: its directory row, its figures, and the value it was sorted by. */
    public record Listed(Partition partition, ClusterFigures figures, double sortKey) {
    }

    /**
     * Which partitions a listing shows and where it resumes.
     *
     * @param collection  only this collection's, or every collection's ({@code null})
     * @param tenantId    only this tenant's own partitions ({@code null}: all)...
     * @param bucket      ...and this shared bucket of the collection ({@code null}: none)
     * @param heat        only partitions of this heat ({@code null}: all)
     * @param afterKey    resume after (afterKey, afterId) in the listing's order; {@code null} from the start
     */
    public record Listing(String collection, String tenantId, Integer bucket, PartitionHeat heat, PartitionSort sort,
                          boolean descending, Double afterKey, long afterId, int limit) {
    }

    /** What the heat evaluation judges a partition by. */
    record HeatInput(long partitionId, String collection, PartitionHeat heat, long vectors, Instant createdAt, Instant lastQueryAt,
                     long queries, double qpm, Double p99Ms, List<String> reasons) {
    }

    /** A heat decided for a partition, with why. */
    record HeatChange(long partitionId, PartitionHeat heat, List<String> reasons, boolean heatChanged) {
    }

    private static final String COLUMNS = """
            p.id, p.collection, p.tenant_id, p.strategy, p.backend, p.placement, p.state, p.heat, partition_vectors(p.id, p.vector_count) AS vector_count,
            p.window_start, p.window_end, p.attribute_value, p.bucket, p.hash_modulus, p.hash_residue, p.split_of,
            p.created_at, p.updated_at, s.last_query_at, s.last_write_at, s.heat_reasons, s.heat_changed_at,
            l.queries, l.inserts, l.qpm, l.ipm, l.p50, l.p95, l.p99, l.measured_at""";

    /** The window figures of every process whose last flush is recent enough, per partition. */
    private static final String CLUSTER_LOAD = """
            SELECT partition_id, sum(queries) AS queries, sum(inserts) AS inserts, sum(qpm) AS qpm, sum(ipm) AS ipm,
                   max(p50_ms) AS p50, max(p95_ms) AS p95, max(p99_ms) AS p99, max(measured_at) AS measured_at
            FROM partition_load WHERE valid_until > now() GROUP BY partition_id""";

    private final AgroalDataSource dataSource;
    private final Duration staleAfter;

    PartitionStatsStore(AgroalDataSource dataSource, GatewayConfig config) {
        this.dataSource = dataSource;
        // A process that stopped without a word (kill -9) counts until its last figures are this old.
        Duration flush = config.partitions().stats().flushInterval();
        this.staleAfter = flush.multipliedBy(3).compareTo(Duration.ofSeconds(30)) > 0 ? flush.multipliedBy(3) : Duration.ofSeconds(30);
    }

    // ---------------------------------------------------------------- flush

    /**
     * Writes one process's measurements in one transaction: last times (never moved backwards: the
     * later of the stored and the new one stays), its window figures, and the removal of its rows of
     * partitions whose window emptied. Returns the partitions among {@code times} and {@code loads}
     * that still exist in the directory.
     */
    Set<Long> write(String process, List<Times> times, List<Load> loads, List<Long> emptied) throws SQLException {
        Set<Long> existing = new HashSet<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (!times.isEmpty()) {
                    existing.addAll(writeTimes(c, times));
                }
                if (!loads.isEmpty()) {
                    existing.addAll(writeLoads(c, process, loads, staleAfter));
                }
                if (!emptied.isEmpty()) {
                    try (PreparedStatement s = c.prepareStatement("DELETE FROM partition_load WHERE process = ? AND partition_id = ANY (?)")) {
                        s.setString(1, process);
                        s.setArray(2, c.createArrayOf("bigint", emptied.toArray()));
                        s.executeUpdate();
                    }
                }
                try (PreparedStatement s = c.prepareStatement("DELETE FROM partition_load WHERE valid_until < now() - interval '1 hour'")) {
                    s.executeUpdate(); // rows of processes long dead
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
        return existing;
    }

    private static Set<Long> writeTimes(Connection c, List<Times> times) throws SQLException {
        List<Times> sorted = times.stream().sorted((a, b) -> Long.compare(a.partitionId(), b.partitionId())).toList();
        Set<Long> written = new HashSet<>();
        // Sorted by id, so that two processes flushing together lock the rows in the same order.
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO partition_stats (partition_id, last_query_at, last_write_at, updated_at)
                SELECT u.id, u.q, u.w, now() FROM unnest(?::text[]::bigint[], ?::text[]::timestamptz[], ?::text[]::timestamptz[])
                     WITH ORDINALITY AS u(id, q, w, n)
                JOIN partitions p ON p.id = u.id ORDER BY u.n
                ON CONFLICT (partition_id) DO UPDATE SET
                    last_query_at = GREATEST(partition_stats.last_query_at, EXCLUDED.last_query_at),
                    last_write_at = GREATEST(partition_stats.last_write_at, EXCLUDED.last_write_at),
                    updated_at = now()
                RETURNING partition_id""")) {
            s.setArray(1, texts(c, sorted.stream().map(Times::partitionId)));
            s.setArray(2, texts(c, sorted.stream().map(Times::lastQuery)));
            s.setArray(3, texts(c, sorted.stream().map(Times::lastWrite)));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    written.add(rs.getLong(1));
                }
            }
        }
        return written;
    }

    private static Set<Long> writeLoads(Connection c, String process, List<Load> loads, Duration validFor) throws SQLException {
        List<Load> sorted = loads.stream().sorted((a, b) -> Long.compare(a.partitionId(), b.partitionId())).toList();
        Set<Long> written = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO partition_load (partition_id, process, measured_at, valid_until, queries, inserts, qpm, ipm, p50_ms, p95_ms, p99_ms)
                SELECT u.id, ?, now(), now() + make_interval(secs => ?), u.queries, u.inserts, u.qpm, u.ipm, u.p50, u.p95, u.p99
                FROM unnest(?::text[]::bigint[], ?::text[]::bigint[], ?::text[]::bigint[], ?::text[]::float8[], ?::text[]::float8[],
                            ?::text[]::float8[], ?::text[]::float8[], ?::text[]::float8[])
                     WITH ORDINALITY AS u(id, queries, inserts, qpm, ipm, p50, p95, p99, n)
                JOIN partitions p ON p.id = u.id ORDER BY u.n
                ON CONFLICT (partition_id, process) DO UPDATE SET measured_at = now(), valid_until = EXCLUDED.valid_until,
                    queries = EXCLUDED.queries,
                    inserts = EXCLUDED.inserts, qpm = EXCLUDED.qpm, ipm = EXCLUDED.ipm, p50_ms = EXCLUDED.p50_ms,
                    p95_ms = EXCLUDED.p95_ms, p99_ms = EXCLUDED.p99_ms
                RETURNING partition_id""")) {
            s.setString(1, process);
            s.setDouble(2, validFor.toMillis() / 1000.0);
            s.setArray(3, texts(c, sorted.stream().map(Load::partitionId)));
            s.setArray(4, texts(c, sorted.stream().map(l -> l.figures().queries())));
            s.setArray(5, texts(c, sorted.stream().map(l -> l.figures().inserts())));
            s.setArray(6, texts(c, sorted.stream().map(l -> l.figures().qpm())));
            s.setArray(7, texts(c, sorted.stream().map(l -> l.figures().ipm())));
            s.setArray(8, texts(c, sorted.stream().map(l -> l.figures().p50Ms())));
            s.setArray(9, texts(c, sorted.stream().map(l -> l.figures().p95Ms())));
            s.setArray(10, texts(c, sorted.stream().map(l -> l.figures().p99Ms())));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    written.add(rs.getLong(1));
                }
            }
        }
        return written;
    }

    /** Removes every row of this process's window figures (it stops serving). */
    void forgetProcess(String process) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM partition_load WHERE process = ?")) {
            s.setString(1, process);
            s.executeUpdate();
        }
    }

    // ---------------------------------------------------------------- listings

    /** A page of partitions with their figures, in the listing's order. */
    public List<Listed> page(Listing listing) {
        List<Object> parameters = new ArrayList<>();
        StringBuilder where = new StringBuilder("TRUE");
        if (listing.collection() != null) {
            where.append(" AND p.collection = ?");
            parameters.add(listing.collection());
        }
        if (listing.tenantId() != null) {
            where.append(listing.bucket() == null ? " AND p.tenant_id = ?" : " AND (p.tenant_id = ? OR (p.strategy = 'SHARED_HASH' AND p.bucket = ?))");
            parameters.add(listing.tenantId());
            if (listing.bucket() != null) {
                parameters.add(listing.bucket());
            }
        }
        if (listing.heat() != null) {
            where.append(" AND p.heat = ?");
            parameters.add(listing.heat().name());
        }
        // Ties are broken by id ascending both ways: partitions with the same figure stay in creation order.
        String direction = listing.descending() ? "DESC" : "ASC";
        String after = "";
        if (listing.afterKey() != null) {
            after = listing.descending() ? " WHERE (x.sort_key < ? OR (x.sort_key = ? AND x.id > ?))" : " WHERE (x.sort_key, x.id) > (?, ?)";
            parameters.add(listing.afterKey());
            if (listing.descending()) {
                parameters.add(listing.afterKey());
            }
            parameters.add(listing.afterId());
        }
        parameters.add(listing.limit());
        String sql = "SELECT * FROM (SELECT " + COLUMNS + ", (" + listing.sort().sql + ")::float8 AS sort_key FROM partitions p"
                + " LEFT JOIN partition_stats s ON s.partition_id = p.id"
                + " LEFT JOIN (" + CLUSTER_LOAD + ") l ON l.partition_id = p.id"
                + " WHERE " + where + ") x" + after
                + " ORDER BY x.sort_key " + direction + ", x.id LIMIT ?";
        List<Listed> page = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.size(); i++) {
                s.setObject(i + 1, parameters.get(i));
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    page.add(new Listed(partition(rs), figures(rs), rs.getDouble("sort_key")));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list partitions", e);
        }
        return page;
    }

    private static Partition partition(ResultSet rs) throws SQLException {
        Partition p = new Partition();
        p.id = rs.getLong("id");
        p.collection = rs.getString("collection");
        p.tenantId = rs.getString("tenant_id");
        p.strategy = PartitionStrategy.valueOf(rs.getString("strategy"));
        p.backend = rs.getString("backend");
        p.placement = rs.getString("placement");
        p.state = PartitionState.valueOf(rs.getString("state"));
        p.heat = PartitionHeat.valueOf(rs.getString("heat"));
        p.vectorCount = rs.getLong("vector_count");
        p.windowStart = instant(rs.getTimestamp("window_start"));
        p.windowEnd = instant(rs.getTimestamp("window_end"));
        p.attributeValue = rs.getString("attribute_value");
        int bucket = rs.getInt("bucket");
        p.bucket = rs.wasNull() ? null : bucket;
        p.hashModulus = rs.getInt("hash_modulus");
        p.hashResidue = rs.getInt("hash_residue");
        long splitOf = rs.getLong("split_of");
        p.splitOf = rs.wasNull() ? null : splitOf;
        p.createdAt = instant(rs.getTimestamp("created_at"));
        p.updatedAt = instant(rs.getTimestamp("updated_at"));
        return p;
    }

    private static ClusterFigures figures(ResultSet rs) throws SQLException {
        return new ClusterFigures(rs.getLong("queries"), rs.getLong("inserts"), rs.getDouble("qpm"), rs.getDouble("ipm"),
                nullableDouble(rs, "p50"), nullableDouble(rs, "p95"), nullableDouble(rs, "p99"), instant(rs.getTimestamp("measured_at")),
                instant(rs.getTimestamp("last_query_at")), instant(rs.getTimestamp("last_write_at")), reasons(rs.getString("heat_reasons")),
                instant(rs.getTimestamp("heat_changed_at")));
    }

    // ---------------------------------------------------------------- heat

    /** Every partition with what its heat is judged by. */
    List<HeatInput> heatInputs() throws SQLException {
        List<HeatInput> inputs = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("""
                     SELECT p.id, p.collection, p.heat, partition_vectors(p.id, p.vector_count), p.created_at, s.last_query_at, l.queries, l.qpm, l.p99,
                            s.heat_reasons
                     FROM partitions p
                     LEFT JOIN partition_stats s ON s.partition_id = p.id
                     LEFT JOIN (""" + CLUSTER_LOAD + ") l ON l.partition_id = p.id ORDER BY p.id")) {
            s.setFetchSize(5000);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    inputs.add(new HeatInput(rs.getLong(1), rs.getString(2), PartitionHeat.valueOf(rs.getString(3)), rs.getLong(4),
                            instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6)), rs.getLong(7), rs.getDouble(8),
                            nullableDouble(rs, "p99"), reasons(rs.getString(10))));
                }
            }
        }
        return inputs;
    }

    /**
     * Records decided heats: each partition's heat in the directory (one short statement per partition,
     * so no partition row is held while another is changed), and its reasons.
     */
    void applyHeat(List<HeatChange> changes) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement heat = c.prepareStatement("UPDATE partitions SET heat = ? WHERE id = ? AND heat <> ?");
             PreparedStatement reasons = c.prepareStatement("""
                     INSERT INTO partition_stats (partition_id, heat_reasons, heat_changed_at, updated_at)
                     SELECT id, ?, CASE WHEN ? THEN now() END, now() FROM partitions WHERE id = ?
                     ON CONFLICT (partition_id) DO UPDATE SET heat_reasons = EXCLUDED.heat_reasons,
                         heat_changed_at = COALESCE(EXCLUDED.heat_changed_at, partition_stats.heat_changed_at), updated_at = now()""")) {
            for (HeatChange change : changes) {
                if (change.heatChanged()) {
                    heat.setString(1, change.heat().name());
                    heat.setLong(2, change.partitionId());
                    heat.setString(3, change.heat().name());
                    heat.executeUpdate();
                }
                reasons.setString(1, change.reasons().isEmpty() ? null : String.join("\n", change.reasons()));
                reasons.setBoolean(2, change.heatChanged());
                reasons.setLong(3, change.partitionId());
                reasons.executeUpdate();
            }
        }
    }

    /** The directory's vector counts of these partitions. */
    Map<Long, Long> vectorCounts(Set<Long> ids) throws SQLException {
        Map<Long, Long> counts = new HashMap<>();
        if (ids.isEmpty()) {
            return counts;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT p.id, " + QuotaLedger.VECTORS + " FROM partitions p WHERE p.id = ANY (?)")) {
            s.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getLong(1), rs.getLong(2));
                }
            }
        }
        return counts;
    }

    // ---------------------------------------------------------------- helpers

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static Double nullableDouble(ResultSet rs, String column) throws SQLException {
        double d = rs.getDouble(column);
        return rs.wasNull() ? null : d;
    }

    /** Reasons travel as one line each (they never hold a newline). */
    private static List<String> reasons(String lines) {
        return lines == null || lines.isEmpty() ? List.of() : List.of(lines.split("\n"));
    }

    /** Numbers travel as text, so that no driver conversion rounds a double (Double.toString reads back exactly). */
    private static Array texts(Connection c, java.util.stream.Stream<?> values) throws SQLException {
        return c.createArrayOf("text", values.map(v -> v == null ? null : v.toString()).toArray());
    }
}
