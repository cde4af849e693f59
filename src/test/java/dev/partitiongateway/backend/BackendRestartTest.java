package dev.partitiongateway.backend;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.fetch;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class BackendRestartTest {

    @Inject
    BackendRegistry backends;

    @Test
    void should_keep_vectors_when_the_backend_is_closed_and_opened_again() {
        String collection = createCollection("durable", 2, "L2");
        String key = readWriteKey(createTenant("durable"));
        upsert(key, collection, List.of(vector("a", List.of(1.0, 0.0), Map.of("k", "v")), vector("b", 0, 1))).statusCode(200);

        backends.closeAll(); // what a shutdown does; the next request opens the backend again from disk
        assertThat(backends.opened()).isEmpty();

        search(key, collection, Map.of("vector", List.of(1, 0), "topK", 5)).statusCode(200).body("results.id", contains("a", "b"));
        fetch(key, collection, "a").statusCode(200).body("metadata.k", equalTo("v"));
        upsert(key, collection, List.of(vector("c", 1, 1))).statusCode(200).body("usage.vectors", equalTo(3));
    }
}
