package dev.partitiongateway.api;

import dev.partitiongateway.tenant.Tenant;
import dev.partitiongateway.tenant.TenantStatus;
import java.time.Instant;

/** A tenant as the API shows it. */
public record TenantJson(String id, String name, TenantStatus status, Quota quota, Usage usage,
                         Instant createdAt, Instant updatedAt) {

    public record Quota(long maxVectors) {
    }

    public record Usage(long vectors) {
    }

    public static TenantJson of(Tenant t, long usedVectors) {
        return new TenantJson(t.id, t.name, t.status, new Quota(t.maxVectors), new Usage(usedVectors), t.createdAt, t.updatedAt);
    }
}
