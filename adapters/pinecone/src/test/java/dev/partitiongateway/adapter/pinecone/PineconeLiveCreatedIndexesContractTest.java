package dev.partitiongateway.adapter.pinecone;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.contract.VectorBackendContract;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;

/**
 * The whole contract against REAL Pinecone with an index created (and deleted) per test collection,
 * when {@code PINECONE_API_KEY}, {@code PINECONE_CLOUD} and {@code PINECONE_REGION} are set. Slow (an
 * index takes seconds to a minute to be ready) and it needs a plan that allows several serverless
 * indexes; indexes are named {@code pgct-ct-<run>-<n>}.
 *
 * <pre>
 * PINECONE_API_KEY=... PINECONE_CLOUD=aws PINECONE_REGION=us-east-1 \
 *   ./mvnw -B test -Dtest=PineconeLiveCreatedIndexesContractTest
 * </pre>
 */
class PineconeLiveCreatedIndexesContractTest extends VectorBackendContract {

    private static String apiKey;
    private static String cloud;
    private static String region;

    private VisibilityTracker tracker;

    @BeforeAll
    static void requireAPineconeProject() {
        apiKey = System.getenv("PINECONE_API_KEY");
        cloud = System.getenv("PINECONE_CLOUD");
        region = System.getenv("PINECONE_REGION");
        assumeTrue(apiKey != null && !apiKey.isBlank() && cloud != null && !cloud.isBlank() && region != null && !region.isBlank(),
                "PINECONE_API_KEY, PINECONE_CLOUD and PINECONE_REGION are not set: the live run with created indexes is skipped");
    }

    @Override
    protected VectorBackend openBackend() {
        PineconeOptions options = PineconeOptions.defaults(apiKey, PineconeOptions.DEFAULT_CONTROL_PLANE)
                .withCreatedIndexes(cloud, region).withIndexNamePrefix("pgct-")
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMinutes(3));
        tracker = new VisibilityTracker(new PineconeBackend(options), Duration.ofMinutes(2));
        return tracker;
    }

    @Override
    protected void awaitVisible() {
        tracker.awaitVisible();
    }
}
