package dev.partitiongateway.catalog;

/** How a collection is cut into partitions. */
public enum PartitionStrategy {
    /** One dedicated partition per tenant, created on the tenant's first write. */
    TENANT
}
