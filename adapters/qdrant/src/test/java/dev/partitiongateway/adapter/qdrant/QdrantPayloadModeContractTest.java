package dev.partitiongateway.adapter.qdrant;

import dev.partitiongateway.adapter.qdrant.fake.FakeQdrant;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.contract.VectorBackendContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared contract in the default {@code partition-mode=payload}, dedicated placements, against the
 * fake Qdrant. Writes sent without {@code wait} would only be applied an hour later there, so every
 * read-after-write in the suite also proves the adapter waits for its writes.
 */
class QdrantPayloadModeContractTest extends VectorBackendContract {

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
        return new QdrantBackend(QdrantOptions.defaults(qdrant.host(), qdrant.port()));
    }
}
