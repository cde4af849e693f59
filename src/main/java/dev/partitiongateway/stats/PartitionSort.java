package dev.partitiongateway.stats;

import dev.partitiongateway.registry.QuotaLedger;
import java.util.Arrays;
import java.util.Optional;

/**
 * What a partition listing can be sorted by, with the SQL of its sort key. Every key is a number
 * (a partition without figures counts as 0, one never searched or written as the epoch), so that a
 * cursor can name a position as (key, id).
 */
public enum PartitionSort {
    ID("id", "p.id"),
    QPM("qpm", "COALESCE(l.qpm, 0)"),
    IPM("ipm", "COALESCE(l.ipm, 0)"),
    P50("p50", "COALESCE(l.p50, 0)"),
    P95("p95", "COALESCE(l.p95, 0)"),
    P99("p99", "COALESCE(l.p99, 0)"),
    VECTORS("vectors", QuotaLedger.VECTORS),
    LAST_QUERY("lastQuery", "COALESCE(EXTRACT(EPOCH FROM s.last_query_at), 0)"),
    LAST_WRITE("lastWrite", "COALESCE(EXTRACT(EPOCH FROM s.last_write_at), 0)");

    private final String wireName;
    final String sql;

    PartitionSort(String wireName, String sql) {
        this.wireName = wireName;
        this.sql = sql;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<PartitionSort> of(String wireName) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(wireName)).findFirst();
    }

    /** The wire names, for messages and documentation. */
    public static String wireNames() {
        return String.join(", ", Arrays.stream(values()).map(PartitionSort::wireName).toList());
    }
}
