package dev.partitiongateway.catalog;

/** How a collection is cut into partitions. */
public enum PartitionStrategy {
    /** One dedicated partition per tenant, created on the tenant's first write. */
    TENANT,
    /** One dedicated partition per tenant and calendar window of the vectors' timestamps. */
    TENANT_TIME,
    /** One dedicated partition per tenant and value of a declared metadata field, plus a default one. */
    TENANT_ATTRIBUTE,
    /** Many small tenants in a fixed number of shared buckets, placed by a stable hash of the tenant id. */
    SHARED_HASH
}
