package dev.partitiongateway.tenant;

import java.util.UUID;

/**
 * The immutable tenant facts the request path needs, as cached in memory.
 *
 * @param uid    this incarnation of the tenant id (see {@link Tenant#uid})
 * @param limits the tenant's own rate and concurrency limits, each {@code null} for the gateway's default
 */
public record TenantView(String id, UUID uid, String name, TenantStatus status, long maxVectors, Limits limits) {

    /** Per-tenant overrides of {@code gateway.tenants.*}; a {@code null} field means the default. */
    public record Limits(Integer requestsPerSecond, Integer vectorsPerSecond, Integer maxConcurrentRequests) {
        public static final Limits DEFAULTS = new Limits(null, null, null);
    }

    static TenantView of(Tenant t) {
        return new TenantView(t.id, t.uid, t.name, t.status, t.maxVectors,
                new Limits(t.requestsPerSecond, t.vectorsPerSecond, t.maxConcurrentRequests));
    }
}
