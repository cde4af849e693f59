package dev.partitiongateway.adapter.pinecone;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The gateway with Pinecone (the fake) as the default backend. One profile for every gateway-level
 * Pinecone test, so that Quarkus starts once for all of them.
 */
public class PineconeBackendProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("gateway.backend.default", PineconeBackend.KIND);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakePineconeResource.class));
    }
}
