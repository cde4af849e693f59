package dev.partitiongateway.adapter.qdrant;

import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorBackendFactory;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Makes Qdrant available under the kind {@value QdrantBackend#KIND} ({@code gateway.backend.default=qdrant}
 * or a collection's {@code "backend": "qdrant"}). Nothing connects until the gateway opens the backend.
 */
@ApplicationScoped
public class QdrantBackendFactory implements VectorBackendFactory {

    private final QdrantConfig config;

    public QdrantBackendFactory(QdrantConfig config) {
        this.config = config;
    }

    @Override
    public String kind() {
        return QdrantBackend.KIND;
    }

    @Override
    public VectorBackend create() {
        return new QdrantBackend(QdrantOptions.from(config));
    }
}
