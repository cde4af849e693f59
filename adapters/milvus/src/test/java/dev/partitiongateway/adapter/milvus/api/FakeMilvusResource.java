package dev.partitiongateway.adapter.milvus.api;

import dev.partitiongateway.adapter.milvus.fake.FakeMilvusServer;
import dev.partitiongateway.adapter.milvus.fake.MissingKeySemantics;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;

/**
 * Starts the fake Milvus server for a gateway test and points the Milvus backend at it. Three-valued
 * JSON semantics, the newer Milvus behaviour, so that the gateway's filters are proven where a naive
 * translation would go wrong.
 */
public class FakeMilvusResource implements QuarkusTestResourceLifecycleManager {

    /** Marks the test field that receives the running server (to inject failures, or to look inside it). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface InjectFakeMilvus {
    }

    private FakeMilvusServer server;

    @Override
    public Map<String, String> start() {
        server = FakeMilvusServer.start(FakeMilvusServer.Options.defaults().withMissingKeySemantics(MissingKeySemantics.THREE_VALUED));
        return Map.of(
                "gateway.milvus.uri", server.uri(),
                "gateway.milvus.call-timeout", "5s");
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(server, new TestInjector.AnnotatedAndMatchesType(InjectFakeMilvus.class, FakeMilvusServer.class));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
