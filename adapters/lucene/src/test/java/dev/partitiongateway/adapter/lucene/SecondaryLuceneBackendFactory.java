package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorBackendFactory;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A second, real backend kind for the gateway's tests ({@code lucene-secondary}, indexes under
 * {@code <data-dir>/lucene-secondary}), so that routing by a collection's own backend is observable.
 */
@ApplicationScoped
public class SecondaryLuceneBackendFactory implements VectorBackendFactory {

    public static final String KIND = "lucene-secondary";

    private final String dataDir;

    SecondaryLuceneBackendFactory(@ConfigProperty(name = "gateway.data-dir") String dataDir) {
        this.dataDir = dataDir;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public VectorBackend create() {
        return new LuceneBackend(Path.of(dataDir).resolve(KIND), new LuceneBackend.Options(16, 100, 100));
    }
}
