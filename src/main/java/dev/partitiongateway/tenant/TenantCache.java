package dev.partitiongateway.tenant;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.partitiongateway.cluster.RefreshAhead;
import dev.partitiongateway.config.GatewayConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import dev.partitiongateway.cluster.Change;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;

/**
 * Tenants as the request path sees them, without a database round trip. A change, made by this
 * process or another one sharing the database, drops the entry when its {@link Change} arrives
 * (see {@link dev.partitiongateway.cluster.ChangeListener}); the TTL bounds staleness if notifications are lost.
 */
@ApplicationScoped
public class TenantCache {

    private final LoadingCache<String, Optional<TenantView>> cache;

    TenantCache(GatewayConfig config) {
        this.cache = RefreshAhead.within(Caffeine.newBuilder().maximumSize(100_000), config.auth().cacheTtl())
                .build(id -> QuarkusTransaction.joiningExisting().call(
                        () -> Optional.ofNullable(Tenant.<Tenant>findById(id)).map(TenantView::of)));
    }

    public Optional<TenantView> get(String tenantId) {
        return cache.get(tenantId);
    }

    /** {@link #get} if the cache holds the answer, else {@code null}, never waiting on PostgreSQL. */
    public Optional<TenantView> cached(String tenantId) {
        return cache.getIfPresent(tenantId);
    }

    void onChange(@Observes Change change) {
        switch (change.kind()) {
            case TENANT -> cache.invalidate(change.key());
            case EVERYTHING -> cache.invalidateAll();
            default -> {
            }
        }
    }
}
