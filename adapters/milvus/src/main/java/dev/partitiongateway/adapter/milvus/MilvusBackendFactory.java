package dev.partitiongateway.adapter.milvus;

import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorBackendFactory;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Makes the Milvus backend available under the kind {@value MilvusBackend#KIND}. Creating the
 * factory reads no setting and opens no connection: that happens in {@link #create()}, only when a
 * collection or {@code gateway.backend.default} uses Milvus.
 */
@ApplicationScoped
public class MilvusBackendFactory implements VectorBackendFactory {

    private final MilvusConfig config;

    public MilvusBackendFactory(MilvusConfig config) {
        this.config = config;
    }

    @Override
    public String kind() {
        return MilvusBackend.KIND;
    }

    @Override
    public VectorBackend create() {
        return new MilvusBackend(MilvusOptions.from(config));
    }
}
