package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.adapter.pinecone.fake.FakePinecone;
import dev.partitiongateway.spi.VectorBackend;
import dev.partitiongateway.spi.contract.VectorBackendContract;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInfo;

/**
 * The contract suite against the in-process fake Pinecone, with writes that become visible only
 * after a delay, so every test passes only if the adapter (and {@link VisibilityTracker}) cope with
 * eventual consistency. One fake per test class; each test works in its own collections.
 */
abstract class PineconeFakeContract extends VectorBackendContract {

    /** Long enough that reading right after a write sees the old state; short enough for a quick suite. */
    static final Duration VISIBILITY_DELAY = Duration.ofMillis(40);
    private static final Map<Class<?>, FakePinecone> FAKES = new ConcurrentHashMap<>();

    private VisibilityTracker tracker;

    /** The fake's switches for this run. */
    protected abstract FakePinecone.Behaviour behaviour();

    /** The adapter's settings against the fake: by default it creates an index per collection. */
    protected PineconeOptions options(FakePinecone fake) {
        return PineconeOptions.defaults(fake.apiKey(), fake.controlPlaneUrl()).withTls(false)
                .withCreatedIndexes("aws", "us-east-1").withIndexNamePrefix("ct-");
    }

    protected VisibilityTracker track(PineconeBackend backend) {
        return new VisibilityTracker(backend, Duration.ofSeconds(30));
    }

    protected final FakePinecone fake() {
        return FAKES.computeIfAbsent(getClass(), c -> FakePinecone.start(behaviour()));
    }

    @Override
    protected VectorBackend openBackend() {
        tracker = track(new PineconeBackend(options(fake())));
        return tracker;
    }

    @Override
    protected void awaitVisible() {
        tracker.awaitVisible();
    }

    @AfterAll
    static void stopFake(TestInfo info) {
        FakePinecone fake = FAKES.remove(info.getTestClass().orElseThrow());
        if (fake != null) {
            fake.close();
        }
    }
}
