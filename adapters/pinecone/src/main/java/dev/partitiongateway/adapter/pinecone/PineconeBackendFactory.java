package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorBackendFactory;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes Pinecone available under the kind {@value PineconeBackend#KIND}. Nothing is checked or
 * connected until {@link #create()}, which the gateway calls only if a collection or
 * {@code gateway.backend.default} uses Pinecone.
 */
@ApplicationScoped
public class PineconeBackendFactory implements VectorBackendFactory {

    private final PineconeBackendConfig config;

    public PineconeBackendFactory(PineconeBackendConfig config) {
        this.config = config;
    }

    @Override
    public String kind() {
        return PineconeBackend.KIND;
    }

    @Override
    public VectorBackend create() {
        return new PineconeBackend(options(config));
    }

    static PineconeOptions options(PineconeBackendConfig config) {
        Map<String, PineconeOptions.IndexLocation> indexes = new LinkedHashMap<>();
        config.indexes().forEach((collection, index) -> indexes.put(collection, location("indexes.\"" + collection + "\"", index)));
        return new PineconeOptions(
                config.apiKey().orElseThrow(() -> new IllegalStateException(
                        "gateway.pinecone.api-key (env GATEWAY_PINECONE_API_KEY) is required to use the Pinecone backend")),
                config.controlPlaneUrl(), config.tls(), indexes,
                config.defaultIndex().map(index -> location("default-index", index)).orElse(null),
                config.createIndexes(), config.cloud(), config.region(), config.indexNamePrefix(),
                config.timeout(), config.controlPlaneTimeout(), config.indexReadyTimeout(),
                new PineconeOptions.RetryPolicy(config.retry().maxAttempts(), config.retry().initialBackoff(), config.retry().maxBackoff()),
                config.maxUpsertBytes(), config.listPageSize());
    }

    private static PineconeOptions.IndexLocation location(String key, PineconeBackendConfig.Index index) {
        if (index.name().isEmpty() && index.host().isEmpty()) {
            throw new IllegalStateException("gateway.pinecone." + key + " needs a name or a host");
        }
        return new PineconeOptions.IndexLocation(index.name().orElse(null), index.host().orElse(null));
    }
}
