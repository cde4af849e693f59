package dev.partitiongateway.adapter.pinecone;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.partitiongateway.spi.Metric;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.contract.VectorBackendContract;
import io.pinecone.proto.DescribeIndexStatsResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract against a REAL Pinecone serverless index, when {@code PINECONE_API_KEY} and
 * {@code PINECONE_INDEX_HOST} are set (skipped otherwise). Every test collection lives in that one
 * index, in namespaces {@code ct_<run>_<n>-<placement>} that the test deletes afterwards. The suite's
 * vectors have 8 dimensions: tests whose collection needs another metric than the index's are skipped
 * with the reason, so run it once against an 8-dimension cosine index and once against an
 * 8-dimension euclidean one for full coverage (or see {@link PineconeLiveCreatedIndexesContractTest}).
 *
 * <pre>
 * PINECONE_API_KEY=... PINECONE_INDEX_HOST=my-index-abc123.svc.aped-1234.pinecone.io \
 *   ./mvnw -B test -Dtest=PineconeLiveContractTest
 * </pre>
 */
class PineconeLiveContractTest extends VectorBackendContract {

    private static String apiKey;
    private static String host;
    private static Metric metric;
    private static int dimension;

    private VisibilityTracker tracker;

    @BeforeAll
    static void requireALiveIndex() {
        apiKey = System.getenv("PINECONE_API_KEY");
        host = System.getenv("PINECONE_INDEX_HOST");
        assumeTrue(apiKey != null && !apiKey.isBlank() && host != null && !host.isBlank(),
                "PINECONE_API_KEY and PINECONE_INDEX_HOST are not set: the live Pinecone contract run is skipped");
        PineconeOptions options = options();
        try (DataPlane dataPlane = new DataPlane(options, host, "live index", new PineconeCalls(options.retry()))) {
            DescribeIndexStatsResponse stats = dataPlane.stats();
            dimension = stats.getDimension();
            metric = IndexDirectory.metricOf(stats.getMetric());
        }
    }

    private static PineconeOptions options() {
        return PineconeOptions.defaults(apiKey, PineconeOptions.DEFAULT_CONTROL_PLANE)
                .withDefaultIndex(PineconeOptions.IndexLocation.at(host))
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(50));
    }

    @Override
    protected VectorBackend openBackend() {
        tracker = new VisibilityTracker(new PineconeBackend(options()), Duration.ofMinutes(2),
                spec -> spec.dimension() == dimension && (metric == null || spec.metric() == metric),
                "dimension " + dimension + ", " + metric);
        return tracker;
    }

    @Override
    protected void awaitVisible() {
        tracker.awaitVisible();
    }
}
