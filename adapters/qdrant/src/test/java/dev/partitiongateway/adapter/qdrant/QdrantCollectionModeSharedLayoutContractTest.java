package dev.partitiongateway.adapter.qdrant;

import dev.partitiongateway.adapter.qdrant.QdrantOptions.PartitionMode;
import dev.partitiongateway.adapter.qdrant.fake.FakeQdrant;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.contract.VectorBackendContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared contract in {@code partition-mode=collection} with shared placements, which stay payload
 * values in the collection's own Qdrant collection while dedicated ones (in the mixed tests) get theirs.
 */
class QdrantCollectionModeSharedLayoutContractTest extends VectorBackendContract {

    private static FakeQdrant qdrant;

    @BeforeAll
    static void startQdrant() {
        qdrant = FakeQdrant.start().applyUnwaitedWritesAfter(Duration.ofHours(1));
    }

    @AfterAll
    static void stopQdrant() {
        qdrant.close();
    }

    @Override
    protected VectorBackend openBackend() {
        return new QdrantBackend(QdrantOptions.builder(qdrant.host(), qdrant.port()).partitionMode(PartitionMode.COLLECTION).build());
    }

    @Override
    protected boolean sharedLayout() {
        return true;
    }
}
