package dev.partitiongateway.auth;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.partitiongateway.config.GatewayConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Keys by prefix, served from memory on the hot path. Issuing or revoking through this instance
 * invalidates the entry at once; other instances see the change within the cache TTL.
 */
@ApplicationScoped
public class KeyRing {

    /** What authentication needs of a stored key. */
    public record Entry(UUID id, String tenantId, byte[] secretHash, Set<Scope> scopes, boolean revoked) {
        boolean isOperator() {
            return tenantId == null;
        }
    }

    private final LoadingCache<String, Optional<Entry>> byPrefix;

    KeyRing(GatewayConfig config) {
        this.byPrefix = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterWrite(config.auth().cacheTtl())
                .build(prefix -> QuarkusTransaction.joiningExisting().call(() -> ApiKey.<ApiKey>find("prefix", prefix)
                        .firstResultOptional()
                        .map(k -> new Entry(k.id, k.tenantId, k.secretHash, k.scopeSet(), k.revokedAt != null))));
    }

    public Optional<Entry> find(String prefix) {
        return byPrefix.get(prefix);
    }

    public void invalidate(String prefix) {
        byPrefix.invalidate(prefix);
    }
}
