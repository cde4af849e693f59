package dev.partitiongateway.archive;

import dev.partitiongateway.spi.VectorRecord;
import java.util.Objects;

/**
 * One archived vector and the tenant that owns it (a partition of a shared bucket holds several tenants).
 *
 * @param tenant the owner, or {@code null} when the archive's caller gave none
 */
public record ArchivedRecord(String tenant, VectorRecord record) {
    public ArchivedRecord {
        Objects.requireNonNull(record, "record");
    }
}
