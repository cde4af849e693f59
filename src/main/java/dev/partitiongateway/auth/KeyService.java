package dev.partitiongateway.auth;

import dev.partitiongateway.cluster.Change;
import dev.partitiongateway.cluster.ChangeNotifier;
import dev.partitiongateway.problem.ApiException;
import dev.partitiongateway.tenant.Tenant;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Issues, lists, rotates and revokes tenant keys. Each change reaches every gateway process's key cache. */
@ApplicationScoped
public class KeyService {

    /** A just-issued key: the only moment its secret exists outside the caller. */
    public record Issued(ApiKey key, String secret) {
        @Override
        public String toString() {
            return "Issued[" + key.id + "]";
        }
    }

    /** A rotation: the new key (with its secret) and the old one, now revoked or expiring. */
    public record Rotated(Issued replacement, ApiKey previous) {
    }

    private final ChangeNotifier changes;

    KeyService(ChangeNotifier changes) {
        this.changes = changes;
    }

    /** @param expiresAt when the key stops working, {@code null} for never; must be in the future */
    @Transactional
    public Issued issue(String tenantId, String name, Set<Scope> scopes, Instant expiresAt) {
        Tenant tenant = requireTenant(tenantId);
        requireFuture(expiresAt, "expiresAt");
        return create(tenant, name, scopes, expiresAt);
    }

    private Issued create(Tenant tenant, String name, Set<Scope> scopes, Instant expiresAt) {
        KeyMaterial.Generated generated = KeyMaterial.generate();
        ApiKey key = new ApiKey();
        key.id = UUID.randomUUID();
        key.tenantId = tenant.id;
        key.tenantUid = tenant.uid;
        key.prefix = generated.prefix();
        key.secretHash = KeyMaterial.hash(generated.key());
        key.name = name;
        key.scopes = Scope.encode(scopes);
        key.createdAt = Instant.now();
        key.expiresAt = expiresAt;
        key.persist();
        changes.publish(Change.key(key.prefix));
        return new Issued(key, generated.key());
    }

    /**
     * Up to {@code limit} of the tenant's keys in creation order (then id), after the key created at
     * {@code afterCreatedAt} with id {@code afterId} ({@code null}s: from the first).
     */
    public List<ApiKey> page(String tenantId, Instant afterCreatedAt, UUID afterId, int limit) {
        requireTenant(tenantId);
        Sort order = Sort.by("createdAt").and("id");
        return afterCreatedAt == null
                ? ApiKey.find("tenantId = ?1", order, tenantId).page(0, limit).list()
                : ApiKey.find("tenantId = ?1 and (createdAt > ?2 or (createdAt = ?2 and id > ?3))", order, tenantId, afterCreatedAt, afterId)
                        .page(0, limit).list();
    }

    /** Revokes the key; revoking a revoked key is a no-op. Applies to the next request on every gateway process. */
    @Transactional
    public void revoke(String tenantId, UUID keyId) {
        requireTenant(tenantId);
        ApiKey key = requireKey(tenantId, keyId);
        if (key.revokedAt == null) {
            key.revokedAt = Instant.now();
        }
        changes.publish(Change.key(key.prefix));
    }

    /**
     * Issues a key with the old key's name and scopes, and ends the old key: at once with no grace
     * period, else when the grace period ends (or its own earlier expiry). A revoked or expired key
     * cannot be rotated: issue a new one instead.
     */
    @Transactional
    public Rotated rotate(String tenantId, UUID keyId, Duration gracePeriod, Instant newExpiresAt) {
        Tenant tenant = requireTenant(tenantId);
        requireFuture(newExpiresAt, "expiresAt");
        ApiKey old = ApiKey.findById(keyId, LockModeType.PESSIMISTIC_WRITE);
        if (old == null || !tenantId.equals(old.tenantId)) {
            throw ApiException.notFound("key '" + keyId + "' of tenant '" + tenantId + "'");
        }
        Instant now = Instant.now();
        if (old.revokedAt != null || (old.expiresAt != null && !now.isBefore(old.expiresAt))) {
            throw ApiException.conflict("key '" + keyId + "' is already revoked or expired; issue a new key instead");
        }
        Issued replacement = create(tenant, old.name, old.scopeSet(), newExpiresAt);
        old.rotatedTo = replacement.key().id;
        if (gracePeriod.isZero()) {
            old.revokedAt = now;
        } else {
            Instant end = now.plus(gracePeriod);
            old.expiresAt = old.expiresAt == null || end.isBefore(old.expiresAt) ? end : old.expiresAt;
        }
        changes.publish(Change.key(old.prefix));
        return new Rotated(replacement, old);
    }

    private static ApiKey requireKey(String tenantId, UUID keyId) {
        ApiKey key = ApiKey.findById(keyId);
        if (key == null || !tenantId.equals(key.tenantId)) {
            throw ApiException.notFound("key '" + keyId + "' of tenant '" + tenantId + "'");
        }
        return key;
    }

    private static void requireFuture(Instant instant, String field) {
        if (instant != null && !instant.isAfter(Instant.now())) {
            throw ApiException.invalid(field, "must be in the future");
        }
    }

    private static Tenant requireTenant(String tenantId) {
        Tenant tenant = Tenant.findById(tenantId);
        if (tenant == null) {
            throw ApiException.notFound("tenant '" + tenantId + "'");
        }
        return tenant;
    }
}
