package dev.partitiongateway.adapter.qdrant;

import dev.partitiongateway.adapter.qdrant.QdrantOptions.PartitionMode;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.contract.VectorBackendContract;

/** The shared contract in collection mode against a real Qdrant ({@code QDRANT_URL}); skipped without one. */
class QdrantLiveCollectionModeContractTest extends VectorBackendContract {

    /** Skips each test, with the reason, when no real Qdrant is configured. */
    @Override
    protected VectorBackend openBackend() {
        LiveQdrant.requireConfigured();
        return new QdrantBackend(LiveQdrant.options(PartitionMode.COLLECTION));
    }

    @Override
    protected void closeBackend(VectorBackend backend) {
        if (backend != null) {
            backend.close();
        }
    }
}
