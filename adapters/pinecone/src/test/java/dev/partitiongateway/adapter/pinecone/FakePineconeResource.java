package dev.partitiongateway.adapter.pinecone;

import dev.partitiongateway.adapter.pinecone.fake.FakePinecone;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.time.Duration;
import java.util.Map;

/**
 * Starts the fake Pinecone for gateway tests and points {@code gateway.pinecone.*} at it: plaintext
 * data plane, an index created per collection. Tests observe Pinecone's state through the Pinecone
 * client with the same settings (only strings cross the test/application class-loader boundary).
 */
public class FakePineconeResource implements QuarkusTestResourceLifecycleManager {

    private FakePinecone fake;

    @Override
    public Map<String, String> start() {
        fake = FakePinecone.start(FakePinecone.Behaviour.DEFAULTS.withIndexInitialisation(Duration.ofMillis(50)));
        return Map.of(
                "gateway.pinecone.api-key", fake.apiKey(),
                "gateway.pinecone.control-plane-url", fake.controlPlaneUrl(),
                "gateway.pinecone.tls", "false",
                "gateway.pinecone.create-indexes", "true",
                "gateway.pinecone.index-name-prefix", "gw-");
    }

    @Override
    public void stop() {
        if (fake != null) {
            fake.close();
        }
    }
}
