package dev.partitiongateway.routing;

import dev.partitiongateway.catalog.PartitionKey;
import dev.partitiongateway.spi.VectorRecord;

/** {@code TENANT}: every record of a tenant in its one dedicated partition. */
final class TenantStrategy implements PartitioningStrategy {

    @Override
    public PartitionKey keyFor(VectorRecord record, String tenantId) {
        return new PartitionKey.Dedicated();
    }
}
