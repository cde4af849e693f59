package dev.partitiongateway.auth;

import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.tenant.Tenant;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Issues, lists and revokes tenant keys. */
@ApplicationScoped
public class KeyService {

    /** A just-issued key: the only moment its secret exists outside the caller. */
    public record Issued(ApiKey key, String secret) {
        @Override
        public String toString() {
            return "Issued[" + key.id + "]";
        }
    }

    private final KeyRing ring;

    KeyService(KeyRing ring) {
        this.ring = ring;
    }

    @Transactional
    public Issued issue(String tenantId, String name, Set<Scope> scopes) {
        requireTenant(tenantId);
        KeyMaterial.Generated generated = KeyMaterial.generate();
        ApiKey key = new ApiKey();
        key.id = UUID.randomUUID();
        key.tenantId = tenantId;
        key.prefix = generated.prefix();
        key.secretHash = KeyMaterial.hash(generated.key());
        key.name = name;
        key.scopes = Scope.encode(scopes);
        key.createdAt = Instant.now();
        key.persist();
        ring.invalidate(key.prefix);
        return new Issued(key, generated.key());
    }

    public List<ApiKey> list(String tenantId) {
        requireTenant(tenantId);
        return ApiKey.list("tenantId", Sort.by("createdAt").and("id"), tenantId);
    }

    /** Revokes the key; revoking a revoked key is a no-op. Applies to the next request on this instance. */
    @Transactional
    public void revoke(String tenantId, UUID keyId) {
        requireTenant(tenantId);
        ApiKey key = ApiKey.findById(keyId);
        if (key == null || !tenantId.equals(key.tenantId)) {
            throw ApiException.notFound("key '" + keyId + "' of tenant '" + tenantId + "'");
        }
        if (key.revokedAt == null) {
            key.revokedAt = Instant.now();
        }
        ring.invalidate(key.prefix);
    }

    private static void requireTenant(String tenantId) {
        if (Tenant.findById(tenantId) == null) {
            throw ApiException.notFound("tenant '" + tenantId + "'");
        }
    }
}
