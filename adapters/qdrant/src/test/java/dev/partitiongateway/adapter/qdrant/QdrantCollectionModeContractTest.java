package dev.partitiongateway.adapter.qdrant;

import dev.partitiongateway.adapter.qdrant.QdrantOptions.PartitionMode;
import dev.partitiongateway.adapter.qdrant.fake.FakeQdrant;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.contract.VectorBackendContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared contract in {@code partition-mode=collection} with dedicated placements (a Qdrant collection
 * each), on a fake Qdrant in strict mode with Qdrant Cloud's limit of 1,000 collections.
 */
class QdrantCollectionModeContractTest extends VectorBackendContract {

    private static FakeQdrant qdrant;

    @BeforeAll
    static void startQdrant() {
        qdrant = FakeQdrant.start().strictModeByDefault(true).maxCollections(1000).applyUnwaitedWritesAfter(Duration.ofHours(1));
    }

    @AfterAll
    static void stopQdrant() {
        qdrant.close();
    }

    @Override
    protected VectorBackend openBackend() {
        return new QdrantBackend(QdrantOptions.builder(qdrant.host(), qdrant.port()).partitionMode(PartitionMode.COLLECTION).build());
    }
}
