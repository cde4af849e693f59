package dev.partitiongateway.api;

import dev.partitiongateway.tenant.Tenant;
import dev.partitiongateway.tenant.TenantStatus;
import dev.partitiongateway.tenant.TenantView;
import java.time.Instant;

/** A tenant as the API shows it. */
public record TenantJson(String id, String name, TenantStatus status, Quota quota, Usage usage, Limits limits,
                         Instant createdAt, Instant updatedAt) {

    /** The limits in force (the tenant's own, or the gateway's defaults), per gateway process. */
    public record Limits(int requestsPerSecond, int vectorsPerSecond, int maxConcurrentRequests) {
    }

    public record Quota(long maxVectors) {
    }

    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "TenantUsage", description = "Vectors the tenant holds")
    public record Usage(long vectors) {
    }

    public static TenantJson of(Tenant t, long usedVectors, TenantView.Limits limits) {
        return new TenantJson(t.id, t.name, t.status, new Quota(t.maxVectors), new Usage(usedVectors),
                new Limits(limits.requestsPerSecond(), limits.vectorsPerSecond(), limits.maxConcurrentRequests()), t.createdAt, t.updatedAt);
    }
}
