package dev.partitiongateway.catalog;

import dev.partitiongateway.spi.Placement;
import java.time.Instant;

/**
 * A partition as the router and the write path need it, as cached.
 *
 * @param tenantId       the owner, {@code null} for a shared bucket
 * @param windowStart    start of the window ({@code TENANT_TIME}), else {@code null}; {@code windowEnd} likewise
 * @param attributeValue the attribute value as canonical JSON ({@code TENANT_ATTRIBUTE}), {@code null} for the
 *                       default partition and other strategies
 * @param bucket         the bucket index ({@code SHARED_HASH}), else {@code null}
 * @param vectorCount    the count when this view was read (for ordering; not exact)
 * @param shard          which ids of its key it owns ({@link HashShard#WHOLE} unless the key was split)
 */
public record PartitionView(long id, String collection, String tenantId, String placementName, PartitionState state,
                            PartitionStrategy strategy, Instant windowStart, Instant windowEnd, String attributeValue,
                            Integer bucket, long vectorCount, HashShard shard) {

    /** Whether many tenants' records share it (a bucket): then every call is filtered by tenant. */
    public boolean shared() {
        return strategy == PartitionStrategy.SHARED_HASH;
    }

    /** Whether {@code other} is a shard of the same key (tenant; tenant and window or value; bucket). */
    public boolean sameKey(PartitionView other) {
        return collection.equals(other.collection) && strategy == other.strategy && java.util.Objects.equals(tenantId, other.tenantId)
                && java.util.Objects.equals(windowStart, other.windowStart) && java.util.Objects.equals(attributeValue, other.attributeValue)
                && java.util.Objects.equals(bucket, other.bucket);
    }

    /** The placement to pass to the backend for a call made on behalf of {@code tenantId}. */
    public Placement placementFor(CollectionView collection, String tenantId) {
        return new Placement(collection.spec(), placementName, tenantId, shared());
    }

    static PartitionView of(Partition p) {
        return new PartitionView(p.id, p.collection, p.tenantId, p.placement, p.state, p.strategy, p.windowStart, p.windowEnd,
                p.attributeValue, p.bucket, p.vectorCount, new HashShard(p.hashModulus, p.hashResidue));
    }
}
