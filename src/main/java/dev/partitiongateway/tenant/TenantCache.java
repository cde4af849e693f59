package dev.partitiongateway.tenant;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.partitiongateway.config.GatewayConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Tenants as the request path sees them, without a database round trip. Changes made through this
 * instance invalidate the entry at once; changes made elsewhere are seen within the cache TTL.
 */
@ApplicationScoped
public class TenantCache {

    private final LoadingCache<String, Optional<TenantView>> cache;

    TenantCache(GatewayConfig config) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterWrite(config.auth().cacheTtl())
                .build(id -> QuarkusTransaction.joiningExisting().call(
                        () -> Optional.ofNullable(Tenant.<Tenant>findById(id)).map(TenantView::of)));
    }

    public Optional<TenantView> get(String tenantId) {
        return cache.get(tenantId);
    }

    public void invalidate(String tenantId) {
        cache.invalidate(tenantId);
    }
}
