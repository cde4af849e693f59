package dev.partitiongateway.catalog;

import dev.partitiongateway.spi.Placement;

/** A partition as the router needs it, as cached. */
public record PartitionView(long id, String collection, String tenantId, String placementName, PartitionState state) {

    /** The placement to pass to the backend for a call made on behalf of {@code tenantId}. */
    public Placement placementFor(CollectionView collection, String tenantId) {
        return Placement.dedicated(collection.spec(), placementName, tenantId);
    }

    static PartitionView of(Partition p) {
        return new PartitionView(p.id, p.collection, p.tenantId, p.placement, p.state);
    }
}
