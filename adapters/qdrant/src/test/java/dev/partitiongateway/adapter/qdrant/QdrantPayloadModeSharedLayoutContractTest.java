package dev.partitiongateway.adapter.qdrant;

import dev.partitiongateway.adapter.qdrant.fake.FakeQdrant;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.contract.VectorBackendContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared contract with shared placements (SHARED_HASH buckets) in payload mode, on a fake Qdrant
 * in Qdrant Cloud's strict mode: every filter the adapter sends must hit payload indexes it created.
 */
class QdrantPayloadModeSharedLayoutContractTest extends VectorBackendContract {

    private static FakeQdrant qdrant;

    @BeforeAll
    static void startQdrant() {
        qdrant = FakeQdrant.start().strictModeByDefault(true).applyUnwaitedWritesAfter(Duration.ofHours(1));
    }

    @AfterAll
    static void stopQdrant() {
        qdrant.close();
    }

    @Override
    protected VectorBackend openBackend() {
        return new QdrantBackend(QdrantOptions.defaults(qdrant.host(), qdrant.port()));
    }

    @Override
    protected boolean sharedLayout() {
        return true;
    }
}
