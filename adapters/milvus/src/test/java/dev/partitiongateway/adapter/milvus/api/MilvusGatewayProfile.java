package dev.partitiongateway.adapter.milvus.api;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The gateway with Milvus as its default backend, on the fake Milvus server. One profile for every
 * Milvus gateway test: each profile restarts Quarkus.
 */
public class MilvusGatewayProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("gateway.backend.default", "milvus");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeMilvusResource.class));
    }
}
