package dev.partitiongateway.adapter.lucene;

import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.contract.VectorBackendContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The shared contract with every placement a shared bucket (SHARED_HASH), where each call is scoped by tenant. */
class LuceneSharedLayoutContractTest extends VectorBackendContract {

    @TempDir
    Path root;

    @Override
    protected VectorBackend openBackend() {
        return new LuceneBackend(root);
    }

    @Override
    protected boolean sharedLayout() {
        return true;
    }
}
