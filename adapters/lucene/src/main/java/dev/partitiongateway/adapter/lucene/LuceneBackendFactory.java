package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.VectorBackendFactory;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Makes the embedded backend available under the kind {@value LuceneBackend#KIND}. Its indexes live
 * in {@code <gateway.data-dir>/lucene}, next to the embedded PostgreSQL's data, so that one data
 * directory holds everything a laptop installation needs to survive a restart.
 */
@ApplicationScoped
public class LuceneBackendFactory implements VectorBackendFactory {

    private final String dataDir;
    private final LuceneConfig config;

    public LuceneBackendFactory(@ConfigProperty(name = "gateway.data-dir", defaultValue = "./data") String dataDir,
                                LuceneConfig config) {
        this.dataDir = dataDir;
        this.config = config;
    }

    @Override
    public String kind() {
        return LuceneBackend.KIND;
    }

    @Override
    public VectorBackend create() {
        return new LuceneBackend(Path.of(dataDir).resolve("lucene"),
                new LuceneBackend.Options(config.hnswM(), config.hnswBeamWidth(), config.hnswEfSearch(), config.maxOpenIndexes(),
                        config.checkpointInterval()));
    }
}
