package dev.partitiongateway.routing;

import dev.partitiongateway.catalog.PartitionKey;
import dev.partitiongateway.catalog.PartitionView;
import dev.partitiongateway.catalog.Partitioning;
import dev.partitiongateway.catalog.SharedBuckets;
import dev.partitiongateway.spi.VectorRecord;

/**
 * {@code SHARED_HASH}: every record of a tenant in the shared bucket its id hashes to (see
 * {@link SharedBuckets}). The bucket holds other tenants too; the adapter filters by tenant on every call.
 */
final class SharedHashStrategy implements PartitioningStrategy {

    private final Partitioning.SharedHash partitioning;

    SharedHashStrategy(Partitioning.SharedHash partitioning) {
        this.partitioning = partitioning;
    }

    @Override
    public PartitionKey keyFor(VectorRecord record, String tenantId) {
        return new PartitionKey.Bucket(SharedBuckets.bucketOf(tenantId, partitioning.buckets()));
    }

    @Override
    public String describe(PartitionView partition) {
        return "shared bucket " + partition.bucket() + " of " + partitioning.buckets();
    }
}
