package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.adapter.pinecone.fake.FakePinecone;
import dev.partitiongateway.spi.Metric;
import java.time.Duration;

/**
 * The contract in the configuration of the live test: every collection in ONE index given by host
 * (no control-plane call for data, shape read from index stats, namespaces prefixed by collection,
 * a dropped collection's namespaces deleted). One index has one dimension and metric, so tests whose
 * collections need another are skipped with the reason; the other two contract runs cover them.
 */
class PineconeSharedIndexContractTest extends PineconeFakeContract {

    private static final String INDEX = "one-for-all";

    @Override
    protected FakePinecone.Behaviour behaviour() {
        return FakePinecone.Behaviour.DEFAULTS.withVisibilityDelay(VISIBILITY_DELAY);
    }

    @Override
    protected PineconeOptions options(FakePinecone fake) {
        String host = fake.index(INDEX).orElseGet(() -> fake.createIndex(INDEX, DIM, "euclidean")).host();
        return PineconeOptions.defaults(fake.apiKey(), fake.controlPlaneUrl()).withTls(false)
                .withDefaultIndex(PineconeOptions.IndexLocation.at(host));
    }

    @Override
    protected VisibilityTracker track(PineconeBackend backend) {
        return new VisibilityTracker(backend, Duration.ofSeconds(30),
                spec -> spec.dimension() == DIM && spec.metric() == Metric.L2, "dimension " + DIM + ", euclidean");
    }
}
