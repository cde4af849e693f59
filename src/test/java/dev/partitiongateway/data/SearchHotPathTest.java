package dev.partitiongateway.data;

import static dev.partitiongateway.support.DataApi.createCollection;
import static dev.partitiongateway.support.DataApi.search;
import static dev.partitiongateway.support.DataApi.upsert;
import static dev.partitiongateway.support.DataApi.vector;
import static dev.partitiongateway.support.TestApi.createTenant;
import static dev.partitiongateway.support.TestApi.readWriteKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.partitiongateway.support.EmbeddedPostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = EmbeddedPostgresResource.class, scope = TestResourceScope.GLOBAL)
@io.quarkus.test.junit.TestProfile(SearchHotPathTest.NoBackgroundWork.class)
class SearchHotPathTest {

    /** No job runner polling for work and no retention round: every connection counted is the searches'. */
    public static class NoBackgroundWork implements io.quarkus.test.junit.QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.jobs.enabled", "false", "gateway.retention.enabled", "false");
        }
    }

    @Inject
    AgroalDataSource dataSource;

    @Test
    void should_search_without_acquiring_a_database_connection_once_caches_are_warm() {
        String collection = createCollection("hot", 2, "L2");
        String key = readWriteKey(createTenant("hot"));
        upsert(key, collection, List.of(vector("a", 1, 0), vector("b", 0, 1))).statusCode(200);
        Map<String, Object> query = Map.of("vector", List.of(1, 0), "topK", 2, "filter", Map.of("x", Map.of("$exists", false)));
        search(key, collection, query).statusCode(200); // warms key, tenant, collection and directory caches

        long acquiredBefore = dataSource.getMetrics().acquireCount();
        for (int i = 0; i < 25; i++) {
            search(key, collection, query).statusCode(200).body("results[0].id", equalTo("a"));
        }
        assertThat(dataSource.getMetrics().acquireCount()).isEqualTo(acquiredBefore);
    }
}
