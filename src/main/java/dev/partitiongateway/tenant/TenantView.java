package dev.partitiongateway.tenant;

/** The immutable tenant facts the request path needs, as cached in memory. */
public record TenantView(String id, String name, TenantStatus status, long maxVectors) {
    static TenantView of(Tenant t) {
        return new TenantView(t.id, t.name, t.status, t.maxVectors);
    }
}
