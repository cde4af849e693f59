package dev.partitiongateway.adapter.milvus;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.contract.VectorBackendContract;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared contract against a real Milvus or Zilliz Cloud, when {@code MILVUS_URI} is set
 * ({@code MILVUS_TOKEN} and {@code MILVUS_DATABASE} optional); skipped otherwise. Each test works in
 * collections of its own (unique names) and drops them, so it can run against a server with other data.
 */
abstract class LiveMilvusContract extends VectorBackendContract {

    private static MilvusBackend backend;

    private static final String SKIPPED = "MILVUS_URI is not set: the contract against a real Milvus is skipped"
            + " (e.g. MILVUS_URI=http://localhost:19530, see adapters/milvus/README.md)";

    @BeforeAll
    static void connect() {
        String uri = System.getenv("MILVUS_URI");
        if (uri == null || uri.isBlank()) {
            return;
        }
        MilvusOptions options = MilvusOptions.defaults(uri)
                .withToken(Optional.ofNullable(System.getenv("MILVUS_TOKEN")).orElse(null))
                .withDatabase(Optional.ofNullable(System.getenv("MILVUS_DATABASE")).orElse(null))
                // A remote cluster loads and answers slower than the fake.
                .withCallTimeout(java.time.Duration.ofSeconds(30));
        if (System.getenv("MILVUS_INDEX_TYPE") != null) {
            // AUTOINDEX for Zilliz Cloud
            options = options.withIndexType(System.getenv("MILVUS_INDEX_TYPE"));
        }
        backend = new MilvusBackend(options);
    }

    @AfterAll
    static void disconnect() {
        if (backend != null) {
            backend.close();
            backend = null;
        }
    }

    @Override
    protected VectorBackend openBackend() {
        assumeTrue(backend != null, SKIPPED);
        return backend;
    }

    @Override
    protected void closeBackend(VectorBackend backend) {
        // shared by the class's tests; closed after the last one
    }
}
