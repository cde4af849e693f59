package dev.partitiongateway.spi;

import dev.partitiongateway.spi.filter.Filter;

/**
 * A full read of one placement (for delete by filter, split, archive, restore and migration).
 *
 * @param batchSize     records per {@link RecordCursor#next()} page, at least 1
 * @param filter        restricts the records returned, or {@code null} for all of the tenant's records
 * @param includeValues return vectors (false: ids and metadata only, cheaper)
 */
public record ScanRequest(int batchSize, Filter filter, boolean includeValues) {
    public ScanRequest {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1");
        }
    }

    public static ScanRequest all(int batchSize) {
        return new ScanRequest(batchSize, null, true);
    }
}
