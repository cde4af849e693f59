package dev.partitiongateway.auth;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.partitiongateway.cluster.RefreshAhead;
import dev.partitiongateway.cluster.Change;
import dev.partitiongateway.config.GatewayConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Keys by prefix, served from memory on the hot path. A key's {@link Change} (issued, revoked,
 * rotated) or its tenant's (updated, deleted) drops the entry on every gateway process sharing the
 * database, within milliseconds; the TTL bounds staleness if notifications are lost.
 */
@ApplicationScoped
public class KeyRing {

    /**
     * What authentication needs of a stored key.
     *
     * @param tenantUid the incarnation of the tenant the key was issued to; the key is void for any other
     * @param expiresAt when the key stops working, or {@code null} for never
     */
    public record Entry(UUID id, String tenantId, UUID tenantUid, byte[] secretHash, Set<Scope> scopes, boolean revoked,
                        Instant expiresAt) {
        boolean isOperator() {
            return tenantId == null;
        }

        boolean expiredAt(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }
    }

    private final LoadingCache<String, Optional<Entry>> byPrefix;

    KeyRing(GatewayConfig config) {
        this.byPrefix = RefreshAhead.within(Caffeine.newBuilder().maximumSize(100_000), config.auth().cacheTtl())
                .build(prefix -> QuarkusTransaction.joiningExisting().call(() -> ApiKey.<ApiKey>find("prefix", prefix)
                        .firstResultOptional()
                        .map(k -> new Entry(k.id, k.tenantId, k.tenantUid, k.secretHash, k.scopeSet(), k.revokedAt != null,
                                k.expiresAt))));
    }

    public Optional<Entry> find(String prefix) {
        return byPrefix.get(prefix);
    }

    /** {@link #find} if the cache holds the answer, else {@code null}, never waiting on PostgreSQL. */
    public Optional<Entry> cached(String prefix) {
        return byPrefix.getIfPresent(prefix);
    }

    void onChange(@Observes Change change) {
        switch (change.kind()) {
            case KEY -> byPrefix.invalidate(change.key());
            case TENANT -> byPrefix.asMap().values().removeIf(e -> e.isPresent() && change.key().equals(e.get().tenantId()));
            case EVERYTHING -> byPrefix.invalidateAll();
            default -> {
            }
        }
    }
}
