package dev.partitiongateway.adapter.qdrant;

import dev.partitiongateway.adapter.qdrant.fake.FakeQdrant;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.Map;

/**
 * Starts a fake Qdrant in Qdrant Cloud's strict mode for a gateway test and points
 * {@code gateway.qdrant.*} at it; writes the adapter would send without {@code wait} would only be
 * applied an hour later. A test reaches the server through a field annotated {@link Inject}.
 */
public class FakeQdrantResource implements QuarkusTestResourceLifecycleManager {

    /** Marks the test's {@link FakeQdrant} field. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Inject {
    }

    private FakeQdrant qdrant;

    @Override
    public Map<String, String> start() {
        qdrant = FakeQdrant.start().strictModeByDefault(true).maxCollections(1000).applyUnwaitedWritesAfter(Duration.ofHours(1));
        return Map.of(
                "gateway.qdrant.host", qdrant.host(),
                "gateway.qdrant.port", Integer.toString(qdrant.port()),
                "gateway.qdrant.timeout", "10s");
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(qdrant, new TestInjector.AnnotatedAndMatchesType(Inject.class, FakeQdrant.class));
    }

    @Override
    public void stop() {
        if (qdrant != null) {
            qdrant.close();
        }
    }
}
