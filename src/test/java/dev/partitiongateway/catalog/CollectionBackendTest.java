package dev.partitiongateway.catalog;

import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.asOperator;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
class CollectionBackendTest {

    @ConfigProperty(name = "gateway.data-dir")
    String dataDir;

    @Test
    void should_route_a_collections_data_to_the_backend_it_was_created_on() {
        asOperator().body(Map.of("name", "on_secondary", "dimension", 2, "metric", "L2", "backend", "lucene-secondary"))
                .post("/v1/admin/collections").then().statusCode(201).body("backend", equalTo("lucene-secondary"));
        String key = readWriteKey(createTenant("routed"));
        upsert(key, "on_secondary", List.of(vector("a", 1, 0))).statusCode(200);
        search(key, "on_secondary", Map.of("vector", List.of(1, 0))).statusCode(200).body("results.id", contains("a"));
        asOperator().get("/v1/admin/collections/on_secondary/partitions").then().body("partitions[0].backend", equalTo("lucene-secondary"));

        assertThat(Path.of(dataDir, "lucene-secondary", "on_secondary")).isDirectory();
        assertThat(Path.of(dataDir, "lucene", "on_secondary")).doesNotExist();
    }
}
