package dev.partitiongateway.tenant;

public enum TenantStatus {
    ACTIVE,
    /** Every request with the tenant's keys is refused with 403 until it is reactivated; data is kept. */
    SUSPENDED
}
