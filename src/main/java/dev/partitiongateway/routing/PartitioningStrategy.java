package dev.partitiongateway.routing;

import dev.partitiongateway.catalog.PartitionKey;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.spi.VectorRecord;
import dev.partitiongateway.spi.filter.Filter;
import java.time.Instant;
import java.util.Optional;

/** How one partitioning strategy places records and which of a tenant's partitions a query can skip. */
public interface PartitioningStrategy {

    /**
     * The record as it is stored (a strategy may fill in what it needs, such as a timestamp), or a
     * 400 if the strategy cannot place it. {@code field} names the record in errors.
     */
    default VectorRecord prepare(VectorRecord record, Instant now, String field) {
        return record;
    }

    /** The partition a prepared record goes to. */
    PartitionKey keyFor(VectorRecord record, String tenantId);

    /**
     * Why no record in {@code partition} can match a query with this time range and filter, or empty if
     * one might. Never prunes a partition that could hold a match.
     */
    default Optional<String> pruned(PartitionView partition, Instant from, Instant to, Filter filter) {
        return Optional.empty();
    }

    /** A short description of the partition for explain output: its window, attribute value or bucket. */
    default String describe(PartitionView partition) {
        return "tenant partition";
    }
}
