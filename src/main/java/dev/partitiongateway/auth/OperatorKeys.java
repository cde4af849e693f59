package dev.partitiongateway.auth;

import dev.partitiongateway.config.GatewayConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The operator key. A configured {@code gateway.admin.key} is the only operator key while it is set.
 * Without one, the first start generates a key, keeps only its hash, and prints it once.
 */
@ApplicationScoped
public class OperatorKeys {

    private static final Logger LOG = Logger.getLogger(OperatorKeys.class);

    private final Optional<byte[]> configuredHash;

    OperatorKeys(GatewayConfig config) {
        this.configuredHash = config.admin().key().filter(k -> !k.isBlank()).map(KeyMaterial::hash);
    }

    void onStart(@Observes StartupEvent event) {
        if (configuredHash.isEmpty()) {
            ensureGenerated().ifPresent(key -> LOG.warnf(
                    "Generated the operator key (shown only this once; store it now): %s", key));
        }
    }

    /** Creates and returns a new operator key if none exists in the database; empty if one does. */
    Optional<String> ensureGenerated() {
        return QuarkusTransaction.requiringNew().call(() -> {
            if (ApiKey.count("tenantId is null and revokedAt is null") > 0) {
                return Optional.empty();
            }
            KeyMaterial.Generated generated = KeyMaterial.generate();
            ApiKey key = new ApiKey();
            key.id = UUID.randomUUID();
            key.prefix = generated.prefix();
            key.secretHash = KeyMaterial.hash(generated.key());
            key.name = "operator";
            key.scopes = "";
            key.createdAt = Instant.now();
            key.persist();
            return Optional.of(generated.key());
        });
    }

    /** Whether the presented key, given by its hash, is the configured operator key (constant-time). */
    boolean isConfiguredKey(byte[] presentedHash) {
        return configuredHash.map(h -> KeyMaterial.sameHash(h, presentedHash)).orElse(false);
    }

    boolean usesConfiguredKey() {
        return configuredHash.isPresent();
    }
}
